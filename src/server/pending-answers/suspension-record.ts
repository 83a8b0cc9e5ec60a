import { randomUUID } from 'node:crypto';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { JsonValue } from '../../core/thread-store.js';
import type { RunSuspenderOptions } from './run-suspender.js';
import { snapshotOf } from './suspended-snapshot.js';
import type { WaitedTurn } from './waited-calls.js';

/**
 * How long a suspension stays held should its instance die before the run let go of it: then a
 * scan resumes it after this.
 */
const HOLD_MS = 30_000;

/** What a suspension record needs of the suspender's options. */
export type SuspensionRecordOptions = Pick<
  RunSuspenderOptions,
  'store' | 'run' | 'owner' | 'principal' | 'request' | 'model' | 'report'
> & { now: () => number };

/**
 * One run's suspension in the durable store: written held (see `SuspensionHold`) so that no
 * answer resumes it while the run still holds its lease and lock, then released, or removed
 * when the run went on after all.
 */
export class SuspensionRecord {
  readonly #options: SuspensionRecordOptions;
  /** Names the hold of this run's suspension; made when first needed. */
  #holderName: string | undefined;
  #holdWritten = false;
  /** The suspension's write while it is under way. */
  #writing: Promise<void> | undefined;

  constructor(options: SuspensionRecordOptions) {
    this.#options = options;
  }

  /** Writes the suspension of `turn`, held until `release`, with the run's `checkpoint`. */
  async write(turn: WaitedTurn, checkpoint: RunCheckpoint): Promise<void> {
    const { store, run, now } = this.#options;
    const options = this.#options;
    // Held until the run let go of its lease and lock (`released`): a resumption before then,
    // by an answer on another instance, would start while this run still holds them.
    this.#holdWritten = true;
    this.#writing = store.suspend(
      {
        runId: run.runId,
        owner: options.owner,
        sessionId: run.sessionId,
        ...(options.principal === undefined ? {} : { principal: options.principal }),
        threadId: options.request.thread?.id ?? null,
        snapshot: snapshotOf({
          request: options.request,
          checkpoint,
          // The suspension notice takes the next sequence number: the resumed run writes after it.
          lastSeq: run.eventLog.lastSeq + 1,
          model: options.model ?? null,
        }),
        calls: turn.calls,
        suspendedAt: now(),
        expiresAt: turn.expiresAt,
      },
      {},
      { holder: this.#holder(), until: now() + HOLD_MS },
    );
    await this.#writing;
  }

  /** The run went on after all: the suspension written is removed, with nothing to release. */
  async remove(): Promise<void> {
    this.#holdWritten = false;
    await this.#options.store.remove(this.#options.run.runId);
  }

  /** Makes sure the suspended call carries the answer that reached the run as it was suspended. */
  keepAnswer(toolCallId: string, answer: JsonValue): void {
    const { store, run, report } = this.#options;
    void store
      .answer(run.runId, toolCallId, answer, run.sessionId)
      .catch((error: unknown) => report(error, `storing the answer to ${toolCallId}`));
  }

  /**
   * Lifts the hold of the suspension written (once its write is done). Resolves whether there
   * was a hold to lift; idempotent (later calls resolve false).
   */
  async release(): Promise<boolean> {
    // A suspension still being written is released once it is written.
    await this.#writing?.catch(() => undefined);
    if (!this.#holdWritten) return false;
    this.#holdWritten = false;
    await this.#options.store.release(this.#options.run.runId, this.#holder());
    return true;
  }

  #holder(): string {
    return (this.#holderName ??= `suspending:${this.#options.run.runId}:${randomUUID()}`);
  }
}
