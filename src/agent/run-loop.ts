import type { ContentBlock } from '../core/messages.js';
import type { ToolDefinition } from '../core/tool.js';
import type { ParsedRunInput, RunOutcome, RunResult } from './agent-loop-input.js';
import type { AgentLoopConfig } from './agent-loop-settings.js';
import { toRunUsage } from './agent-hooks.js';
import { chargeTurn, CostAccumulator } from './budget.js';
import { hasCredentialSafely } from './guarded-lookups.js';
import {
  finishRun,
  guardHook,
  messageOf,
  reachMaxTurns,
  replyWithStub,
  type RunState,
} from './loop-run-state.js';
import { finishToolsInFlight } from './run-checkpoints.js';
import { createLoopContext, type LoopContext } from './loop-context.js';
import { modelChainOf, type ModelCandidate } from './model-chain.js';
import { runModelTurn } from './run-model-turn.js';
import { announceRefusal } from './refused-turn.js';
import { runToolTurn } from './run-tool-turn.js';
import { applySteering } from './steering.js';
import { NO_PRICING, startRunState } from './start-run-state.js';
import { estimateCost } from './usage.js';

/** Keeps what the client saw of a stopped answer in the history, marked as interrupted. */
function keepInterruptedText(state: RunState, partialText: string): void {
  if (partialText === '') return;
  state.messages.push({
    role: 'assistant',
    content: [{ type: 'text', text: partialText }],
    interrupted: true,
  });
}

/** The tools the model is offered: a copy of the run's, less the agent's excluded ones. */
function usableTools(tools: ToolDefinition[], excluded: ReadonlySet<string>): ToolDefinition[] {
  return excluded.size === 0 ? tools.slice() : tools.filter((tool) => !excluded.has(tool.name));
}

/** Whether a turn's blocks hold a compaction (the provider summarised the context). */
function hasCompaction(blocks: readonly ContentBlock[]): boolean {
  for (const block of blocks) if (block.type === 'compaction') return true;
  return false;
}

/**
 * One run of the agent loop with checked settings and input: streams model turns, runs the
 * tools they call, feeds the results back, and stops on the model's final answer, the turn
 * limit, the budget, a failure or cancellation. See `createAgentLoop` for how a run ends.
 */
export async function runLoop(config: AgentLoopConfig, input: ParsedRunInput): Promise<RunResult> {
  const state = startRunState(config, input);
  try {
    return await runSteps(config, input, state);
  } finally {
    // A call admitted before the run that it never made (a stub reply, an early stop) is given back.
    await state.meter?.close();
  }
}

/** The steps of `runLoop` over the run's state. */
async function runSteps(config: AgentLoopConfig, input: ParsedRunInput, state: RunState): Promise<RunResult> {
  const { provider, logger } = config;
  const { sessionId, resume } = input;
  const maxTurns = input.maxTurns ?? config.maxTurns;
  const model = input.model ?? config.model;
  const accumulator = input.costAccumulator ?? new CostAccumulator(config.maxBudgetUsd);
  if (state.signal.aborted) return finishRun(state, 'aborted');
  if (!hasCredentialSafely(provider, logger)) {
    return replyWithStub(state, provider, model, config.stubWordDelayMs);
  }

  let chain: ModelCandidate[];
  let tools: ToolDefinition[];
  try {
    chain = modelChainOf(config, model);
    tools = usableTools(input.getToolDefinitions?.() ?? [], config.excludedTools);
  } catch (error) {
    // A model the provider does not know is a deployment or request mistake, not a secret.
    state.emit({ type: 'error', error: messageOf(error), code: 'invalid_model' });
    return finishRun(state, 'error', messageOf(error), 'invalid_model');
  }
  state.pricing = chain[0]?.info.pricing ?? NO_PRICING;
  // A resumed run's earlier turns count toward the budget it shares with its first part.
  if (resume !== undefined) accumulator.add(resume.costUsd ?? estimateCost(resume.tokens, state.pricing));
  // Made when a step needs it (tools, checkpoints): a run answered in words never does.
  let context: LoopContext | undefined;

  let outcome: RunOutcome = 'completed';
  let finishedBeforeLoop = false;
  if (resume?.toolsInFlight !== undefined) {
    context = createLoopContext(config, input, state, chain, accumulator);
    const blocks = await finishToolsInFlight(resume.toolsInFlight, context.toolSettings);
    if (blocks === undefined) return finishRun(state, 'aborted');
    state.messages.push({ role: 'user', content: blocks });
    await context.checkpoint();
    finishedBeforeLoop = resume.toolsInFlight.stopReason === 'end_turn';
  }
  let compacted = false;
  for (let turnCount = state.usage.turns + 1; !finishedBeforeLoop; turnCount += 1) {
    if (maxTurns !== undefined && turnCount > maxTurns) {
      await reachMaxTurns(state, turnCount, maxTurns, {
        notice: config.maxTurnsNotice,
        onMaxTurns: config.onMaxTurns,
        logger,
      });
      outcome = 'max_turns';
      break;
    }
    const turn = await runModelTurn({
      chain,
      settings: config,
      backgroundTasksReminder: input.backgroundTasksReminder,
      sessionId,
      systemPrompt: input.systemPrompt,
      messages: state.messages,
      tools,
      afterCompaction: compacted,
      trace: state.trace,
      emit: state.emit,
      signal: state.signal,
      meter: state.meter,
      turnNumber: turnCount,
    });
    if (turn.status === 'refused') {
      const refused = announceRefusal(turn.refusal, state.emit);
      if (refused.outcome === 'error') return finishRun(state, 'error', refused.message, refused.code);
      outcome = 'budget_exceeded';
      break;
    }
    if (turn.status === 'aborted') {
      keepInterruptedText(state, turn.partialText);
      return finishRun(state, 'aborted');
    }
    if (turn.status === 'failed') return finishRun(state, 'error', turn.error, turn.code);
    compacted = turn.stopReason === 'compaction' || hasCompaction(turn.blocks);

    const answered = turn.candidate;
    state.usage.add(turn.usage, { model: answered.model, pricing: answered.info.pricing });
    if (turn.blocks.length > 0) {
      // Each assistant message names the model that wrote it: the run record of a fallback.
      state.messages.push({
        role: 'assistant',
        content: turn.blocks,
        provider: answered.provider.name,
        model: answered.model,
        stop_reason: turn.stopReason,
      });
    }
    if (chargeTurn(accumulator, estimateCost(turn.usage, answered.info.pricing), state.emit)) {
      outcome = 'budget';
      break;
    }
    if (turn.toolCalls.length === 0) {
      // pause_turn: a server-side tool paused the turn; compaction: the provider summarised
      // the context. Both expect the conversation to go on.
      if (turn.stopReason === 'pause_turn' || turn.stopReason === 'compaction') continue;
      // A user message that arrived during the final answer gets an answer of its own.
      if (applySteering(state, input.steering)) continue;
      break;
    }
    context ??= createLoopContext(config, input, state, chain, accumulator);
    const end = await runToolTurn(context, turn);
    if (end === 'aborted') return finishRun(state, 'aborted');
    if (end === 'ended') break;
    if (end === 'budget') {
      outcome = 'budget';
      break;
    }
  }

  if (state.signal.aborted) return finishRun(state, 'aborted');
  const usage = state.usage.toSummary(state.pricing, model);
  const { onRunUsage } = config;
  if (onRunUsage !== undefined) {
    await guardHook(logger, 'onRunUsage', () => onRunUsage(toRunUsage(sessionId, usage, state.usage.turns)));
  }
  state.emit({ type: 'stream_complete', usage });
  return finishRun(state, outcome, undefined, undefined, usage);
}
