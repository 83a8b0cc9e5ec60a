import type { GatewayEvent } from '../../core/events.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { SuspendedCall } from '../../core/suspended-run-store.js';

/** A question a run asked its client, as its suspension keeps it. */
interface Question {
  kind: SuspendedCall['kind'];
  nonce: string;
  toolName: string;
  expiresAtMs: number;
}

/** The question an event announces, if it announces one. */
export function questionOf(event: GatewayEvent): (Question & { toolCallId: string }) | undefined {
  if (event.type === 'tool_approval_request') {
    return {
      toolCallId: event.tool_call_id,
      kind: 'approval',
      nonce: event.nonce,
      toolName: event.tool_name,
      expiresAtMs: event.expires_at * 1000,
    };
  }
  if (
    event.type === 'tool_call_start' &&
    event.execution_location === 'client' &&
    event.nonce !== undefined
  ) {
    return {
      toolCallId: event.tool_call_id,
      kind: 'client_tool',
      nonce: event.nonce,
      toolName: event.tool_name,
      expiresAtMs: (event.expires_at ?? 0) * 1000,
    };
  }
  return undefined;
}

/** The tool turn a suspension would hold: the calls waiting for their answer and when they expire. */
export interface WaitedTurn {
  /** The ids of the calls waiting for their client's answer. */
  readonly ids: string[];
  readonly calls: SuspendedCall[];
  /** The latest expiry of their questions, in ms. */
  readonly expiresAt: number;
  readonly latest: RunCheckpoint;
  readonly inFlight: NonNullable<RunCheckpoint['toolsInFlight']>;
}

/**
 * What one run waits for: the questions it announced, the calls waiting for their answer and
 * its latest checkpoint (the calls of its current tool turn and which finished).
 */
export class WaitedCalls {
  // eslint-disable-next-line gateway/churn-collections -- one per run: what that run waits for
  readonly #questions = new Map<string, Question>();
  readonly #open = new Set<string>();
  #latest: RunCheckpoint | undefined;
  /** Bumped whenever a wait ends: a suspension under way checks it did not change. */
  generation = 0;

  /** Keeps the question the event announces; returns whether it announced one. */
  asked(event: GatewayEvent): boolean {
    const question = questionOf(event);
    if (question === undefined) return false;
    const { toolCallId, ...rest } = question;
    this.#questions.set(toolCallId, rest);
    return true;
  }

  /** The run's latest checkpoint. */
  checkpoint(checkpoint: RunCheckpoint): void {
    this.#latest = checkpoint;
  }

  /** A call started waiting for its answer. */
  waiting(toolCallId: string): void {
    this.#open.add(toolCallId);
  }

  /** A call's wait ended. */
  ended(toolCallId: string): void {
    this.#open.delete(toolCallId);
    this.generation += 1;
  }

  /** Whether every unfinished call of the run's tool turn waits for an answer to its question. */
  onlyWaiting(): boolean {
    const inFlight = this.#latest?.toolsInFlight;
    if (this.#open.size === 0 || inFlight === undefined) return false;
    return inFlight.calls.every(
      (call) =>
        inFlight.finished[call.id] !== undefined || (this.#open.has(call.id) && this.#questions.has(call.id)),
    );
  }

  /** The tool turn as it stands, or undefined before the run's first tool turn. */
  turn(): WaitedTurn | undefined {
    const latest = this.#latest;
    const inFlight = latest?.toolsInFlight;
    if (latest === undefined || inFlight === undefined) return undefined;
    const ids = [...this.#open];
    const calls: SuspendedCall[] = ids.flatMap((toolCallId) => {
      const question = this.#questions.get(toolCallId);
      return question === undefined
        ? []
        : [{ toolCallId, kind: question.kind, nonce: question.nonce, toolName: question.toolName }];
    });
    const expiresAt = Math.max(...ids.map((id) => this.#questions.get(id)?.expiresAtMs ?? 0));
    return { ids, calls, expiresAt, latest, inFlight };
  }

  /** The checkpoint a suspension of `turn` keeps: the run's latest, awaiting the turn's calls. */
  checkpointOf(turn: WaitedTurn): RunCheckpoint {
    return {
      ...(this.#latest ?? turn.latest),
      toolsInFlight: { ...turn.inFlight, awaitingAnswer: turn.ids },
    };
  }
}
