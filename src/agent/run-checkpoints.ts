import type { ContentBlock, Message, ToolUseBlock } from '../core/messages.js';
import type { CheckpointedToolResult, CheckpointSink, RunCheckpoint } from '../core/run-takeover.js';
import type { ToolExecutor, ToolOutcome } from '../core/tool.js';
import type { ExecutedToolCall } from './execute-tool-call.js';
import { executeToolCalls } from './execute-tool-calls.js';
import type { Logger } from '../core/logger.js';

/** Writes a run's checkpoints one at a time, in the order they were taken. */
export interface CheckpointWriter {
  /**
   * Queues a checkpoint; resolves once it (and every earlier one) was handed to the sink, or
   * at once when `signal` aborts (a cancelled run never waits on its store). Never rejects: a
   * failed write is logged and the run goes on (a takeover would then start from the previous
   * checkpoint).
   */
  save(checkpoint: RunCheckpoint, signal: AbortSignal): Promise<void>;
}

const settledAlready: Promise<void> = Promise.resolve();

/**
 * Creates the writer over `sink`; without a sink, `undefined` (checkpoints cost nothing). A
 * checkpoint with nothing queued before it goes to the sink at once, and one the sink keeps
 * synchronously (it returns nothing) costs no promise.
 */
export function createCheckpointWriter(
  sink: CheckpointSink | undefined,
  logger: Logger,
): CheckpointWriter | undefined {
  if (sink === undefined) return undefined;
  const failed = (error: unknown): void => {
    logger.warn('saving a run checkpoint failed', {
      error: error instanceof Error ? error.message : String(error),
    });
  };
  /** Writes not settled yet, the last of which is `tail`. */
  let pending = 0;
  let tail = settledAlready;
  const track = (written: Promise<void>): Promise<void> => {
    pending += 1;
    tail = written.then(undefined, failed).then(() => {
      pending -= 1;
    });
    return tail;
  };
  return {
    save(checkpoint, signal) {
      let saved: Promise<void>;
      if (pending === 0) {
        let written: Promise<void> | void;
        try {
          written = sink(checkpoint);
        } catch (error) {
          failed(error);
          return settledAlready;
        }
        if (written === undefined) return settledAlready;
        saved = track(written);
      } else {
        saved = track(tail.then(() => sink(checkpoint)));
      }
      if (signal.aborted) return settledAlready;
      return new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        signal.addEventListener('abort', done, { once: true });
        void saved.then(done);
      });
    },
  };
}

/** The outcome the model reads for a call cut short by the death of its instance. */
export const interruptedOutcome = (toolName: string): ToolOutcome => ({
  ok: false,
  error: {
    code: 'interrupted',
    message:
      `The gateway instance running '${toolName}' stopped before the call finished, and the call ` +
      'was not run again because the tool is not marked idempotent. Whether it took effect is ' +
      'unknown; check before calling it again.',
  },
  server: null,
});

/**
 * A tool executor that runs only idempotent tools and calls that never started (they waited for
 * a client's answer), and answers the others `interrupted`.
 */
const rerunIdempotentOnly = (tools: ToolExecutor, notStarted: ReadonlySet<string>): ToolExecutor => ({
  dispatch(call, environment) {
    if (tools.isIdempotent?.(call.name) === true || notStarted.has(call.id))
      return tools.dispatch(call, environment);
    return Promise.resolve(interruptedOutcome(call.name));
  },
  ...(tools.executionLocation === undefined
    ? {}
    : { executionLocation: (name: string) => tools.executionLocation?.(name) ?? 'backend' }),
});

/**
 * Finishes the tool calls a checkpoint left in flight: finished calls keep their recorded
 * results; the others go through the usual tool path again (events, timeouts, hooks), where
 * idempotent tools really run and every other tool resolves at once with `interrupted`.
 * Returns the blocks of the tool-result message in the model's call order, or undefined when
 * the run was aborted meanwhile.
 */
export async function finishToolsInFlight(
  inFlight: NonNullable<RunCheckpoint['toolsInFlight']>,
  settings: Parameters<typeof executeToolCalls>[1],
): Promise<ContentBlock[] | undefined> {
  const unfinished: ToolUseBlock[] = inFlight.calls.filter(
    (call) => inFlight.finished[call.id] === undefined,
  );
  // Sub-agent calls keep the `call_index` of the whole turn, as first announced.
  const callIndexes = new Map<string, number>();
  for (const call of inFlight.calls) {
    if (call.name === 'run_agent') callIndexes.set(call.id, callIndexes.size);
  }
  const { executed, aborted } = await executeToolCalls(unfinished, {
    ...settings,
    tools: rerunIdempotentOnly(settings.tools, new Set(inFlight.awaitingAnswer)),
    callIndexes,
  });
  if (aborted) return undefined;
  const results = new Map<string, CheckpointedToolResult>(Object.entries(inFlight.finished));
  for (const call of executed)
    results.set(call.call.id, { resultBlock: call.resultBlock, extraBlocks: call.extraBlocks });
  const ordered = inFlight.calls.flatMap((call) => {
    const result = results.get(call.id);
    return result === undefined ? [] : [result];
  });
  return [...ordered.map((result) => result.resultBlock), ...ordered.flatMap((result) => result.extraBlocks)];
}

/** A checkpoint of the run's state now (copies: later pushes do not change it). */
export function takeCheckpoint(
  state: { messages: readonly Message[]; turns: number; tokens: RunCheckpoint['tokens']; costUsd: number },
  toolsInFlight?: RunCheckpoint['toolsInFlight'],
): RunCheckpoint {
  return {
    messages: [...state.messages],
    turns: state.turns,
    tokens: { ...state.tokens },
    costUsd: state.costUsd,
    ...(toolsInFlight === undefined
      ? {}
      : { toolsInFlight: { ...toolsInFlight, finished: { ...toolsInFlight.finished } } }),
  };
}

/** Records a finished call in the in-flight set of the current turn. */
export function recordFinished(
  inFlight: NonNullable<RunCheckpoint['toolsInFlight']>,
  executed: ExecutedToolCall,
): void {
  inFlight.finished[executed.call.id] = {
    resultBlock: executed.resultBlock,
    extraBlocks: executed.extraBlocks,
  };
}
