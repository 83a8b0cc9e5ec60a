import { chargeTurn } from './budget.js';
import { compactAfterTurn } from './client-compaction.js';
import { executeToolCalls } from './execute-tool-calls.js';
import type { LoopContext } from './loop-context.js';
import { recordFinished } from './run-checkpoints.js';
import type { ModelTurnResult } from './run-model-turn.js';
import { applySteering } from './steering.js';
import { estimateCost } from './usage.js';

/** A model turn that completed. */
type CompletedModelTurn = Extract<ModelTurnResult, { candidate: unknown }>;

/**
 * How a turn's tool calls left the run: `aborted` (stop now), `ended` (the model ended its turn
 * and nothing steered it on), `budget` (a compaction used up the budget) or `next` (another turn).
 */
export type ToolTurnEnd = 'aborted' | 'ended' | 'budget' | 'next';

/**
 * Runs the tool calls of a completed turn and feeds their results back: checkpoints before and
 * after (each finished call recorded as it finishes), steering applied, then the history
 * compacted when the settings ask for it.
 */
export async function runToolTurn(context: LoopContext, turn: CompletedModelTurn): Promise<ToolTurnEnd> {
  const { config, input, state, checkpoint, checkpoints } = context;
  const inFlight = { calls: turn.toolCalls, finished: {}, stopReason: turn.stopReason };
  await checkpoint(inFlight);
  const { executed, aborted } = await executeToolCalls(turn.toolCalls, {
    ...context.toolSettings,
    ...(checkpoints === undefined
      ? {}
      : {
          onExecuted: (call: Parameters<typeof recordFinished>[1]) => {
            recordFinished(inFlight, call);
            void checkpoint(inFlight);
          },
        }),
  });
  if (aborted) return 'aborted';
  state.messages.push({
    role: 'user',
    content: [...executed.map((call) => call.resultBlock), ...executed.flatMap((call) => call.extraBlocks)],
  });
  const steered = applySteering(state, input.steering);
  if (turn.stopReason === 'end_turn' && !steered) {
    await checkpoint();
    return 'ended';
  }
  const beforeCompaction = state.messages.slice(state.ownFrom);
  const summary = await compactAfterTurn(config.compaction, turn.usage, {
    chain: context.chain,
    circuitBreaker: config.circuitBreaker,
    sessionId: input.sessionId,
    messages: state.messages,
    emit: state.emit,
    signal: state.signal,
    logger: config.logger,
    meter: state.meter,
    turnNumber: state.usage.turns,
  });
  if (summary !== undefined) {
    // What the run said before the summary stays in its result: a stored thread keeps it.
    state.compactedMessages.push(...beforeCompaction);
    state.ownFrom = state.messages.length;
    state.usage.addTokens(summary.usage, summary.by);
    if (chargeTurn(context.accumulator, estimateCost(summary.usage, summary.by.pricing), state.emit)) {
      return 'budget';
    }
  }
  await checkpoint();
  return 'next';
}
