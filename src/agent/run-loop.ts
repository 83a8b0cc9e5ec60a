import type { ToolDefinition } from '../core/tool.js';
import type { ParsedRunInput, RunOutcome, RunResult } from './agent-loop-input.js';
import type { AgentLoopConfig } from './agent-loop-settings.js';
import { toRunUsage } from './agent-hooks.js';
import { chargeTurn, CostAccumulator } from './budget.js';
import { compactAfterTurn } from './client-compaction.js';
import { executeToolCalls } from './execute-tool-calls.js';
import { executionLocationSafely, hasCredentialSafely } from './guarded-lookups.js';
import {
  finishRun,
  guardHook,
  messageOf,
  reachMaxTurns,
  replyWithStub,
  type RunState,
} from './loop-run-state.js';
import {
  createCheckpointWriter,
  finishToolsInFlight,
  recordFinished,
  takeCheckpoint,
} from './run-checkpoints.js';
import { modelChainOf, type ModelCandidate } from './model-chain.js';
import { runModelTurn } from './run-model-turn.js';
import { applySteering } from './steering.js';
import { startRunTrace } from './tracing/run-tracer.js';
import { estimateCost, UsageTotals } from './usage.js';

const noPricing = { inputPerMTok: 0, outputPerMTok: 0, cacheReadPerMTok: 0, cacheWritePerMTok: 0 };

/** Keeps what the client saw of a stopped answer in the history, marked as interrupted. */
function keepInterruptedText(state: RunState, partialText: string): void {
  if (partialText === '') return;
  state.messages.push({
    role: 'assistant',
    content: [{ type: 'text', text: partialText }],
    interrupted: true,
  });
}

/**
 * One run of the agent loop with checked settings and input: streams model turns, runs the
 * tools they call, feeds the results back, and stops on the model's final answer, the turn
 * limit, the budget, a failure or cancellation. See `createAgentLoop` for how a run ends.
 */
export async function runLoop(config: AgentLoopConfig, input: ParsedRunInput): Promise<RunResult> {
  const { provider, logger } = config;
  const { eventLog, sessionId, resume } = input;
  const maxTurns = input.maxTurns ?? config.maxTurns;
  const model = input.model ?? config.model;
  const accumulator = input.costAccumulator ?? new CostAccumulator(config.maxBudgetUsd);
  const onToolResult = input.onToolResult ?? config.onToolResult;
  const startingMessages = resume?.messages ?? input.messages;
  const state: RunState = {
    messages: [...startingMessages],
    ownFrom: Math.min(input.messages.length, startingMessages.length),
    compactedMessages: [],
    usage: resume === undefined ? new UsageTotals() : UsageTotals.restore(resume.turns, resume.tokens),
    model,
    pricing: noPricing,
    emit: (event) => void eventLog.append(event),
    signal: input.signal ?? new AbortController().signal,
    trace: startRunTrace({
      ...config.tracing,
      agentName: config.agentName,
      providerName: provider.name,
      model,
      sessionId,
      runId: input.runId,
      endUserId: input.endUserId,
      parent: input.traceParent,
      systemPrompt: input.systemPrompt,
      input: resume?.messages ?? input.messages,
    }),
  };
  if (state.signal.aborted) return finishRun(state, 'aborted');
  if (!hasCredentialSafely(provider, logger)) {
    return replyWithStub(state, provider, model, config.stubWordDelayMs);
  }

  let chain: ModelCandidate[];
  let tools: ToolDefinition[];
  try {
    chain = modelChainOf(config, model);
    tools = (input.getToolDefinitions?.() ?? []).filter((tool) => !config.excludedTools.has(tool.name));
  } catch (error) {
    // A model the provider does not know is a deployment or request mistake, not a secret.
    state.emit({ type: 'error', error: messageOf(error), code: 'invalid_model' });
    return finishRun(state, 'error', messageOf(error), 'invalid_model');
  }
  state.pricing = chain[0]?.info.pricing ?? noPricing;
  // A resumed run's earlier turns count toward the budget it shares with its first part.
  if (resume !== undefined) accumulator.add(resume.costUsd ?? estimateCost(resume.tokens, state.pricing));
  const checkpoints = createCheckpointWriter(input.onCheckpoint, logger);
  const checkpoint = (toolsInFlight?: Parameters<typeof takeCheckpoint>[1]): Promise<void> | undefined =>
    checkpoints?.save(
      takeCheckpoint(
        {
          messages: state.messages,
          turns: state.usage.turns,
          tokens: state.usage.tokens,
          costUsd: accumulator.total,
        },
        toolsInFlight,
      ),
      state.signal,
    );

  const toolSettings = {
    tools: input.tools,
    sessionId,
    emit: state.emit,
    signal: state.signal,
    excludedTools: config.excludedTools,
    toolCallTimeoutMs: config.toolCallTimeoutMs,
    executionLocation: (name: string) =>
      executionLocationSafely(name, { runner: config.executionLocation, tools: input.tools }, logger),
    onToolResult,
    onToolTiming: config.onToolTiming,
    logger,
    maxConcurrentSubAgents: config.maxConcurrentSubAgents,
    trace: state.trace,
  };

  let outcome: RunOutcome = 'completed';
  let finishedBeforeLoop = false;
  if (resume?.toolsInFlight !== undefined) {
    const blocks = await finishToolsInFlight(resume.toolsInFlight, toolSettings);
    if (blocks === undefined) return finishRun(state, 'aborted');
    state.messages.push({ role: 'user', content: blocks });
    await checkpoint();
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
    });
    if (turn.status === 'aborted') {
      keepInterruptedText(state, turn.partialText);
      return finishRun(state, 'aborted');
    }
    if (turn.status === 'failed') return finishRun(state, 'error', turn.error, turn.code);
    compacted = turn.stopReason === 'compaction' || turn.blocks.some((block) => block.type === 'compaction');

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
    const inFlight = { calls: turn.toolCalls, finished: {}, stopReason: turn.stopReason };
    await checkpoint(inFlight);
    const { executed, aborted } = await executeToolCalls(turn.toolCalls, {
      ...toolSettings,
      ...(checkpoints === undefined
        ? {}
        : {
            onExecuted: (call: Parameters<typeof recordFinished>[1]) => {
              recordFinished(inFlight, call);
              void checkpoint(inFlight);
            },
          }),
    });
    if (aborted) return finishRun(state, 'aborted');
    state.messages.push({
      role: 'user',
      content: [...executed.map((call) => call.resultBlock), ...executed.flatMap((call) => call.extraBlocks)],
    });
    const steered = applySteering(state, input.steering);
    if (turn.stopReason === 'end_turn' && !steered) {
      await checkpoint();
      break;
    }
    const beforeCompaction = state.messages.slice(state.ownFrom);
    const summary = await compactAfterTurn(config.compaction, turn.usage, {
      chain,
      circuitBreaker: config.circuitBreaker,
      sessionId,
      messages: state.messages,
      emit: state.emit,
      signal: state.signal,
      logger,
    });
    if (summary !== undefined) {
      // What the run said before the summary stays in its result: a stored thread keeps it.
      state.compactedMessages.push(...beforeCompaction);
      state.ownFrom = state.messages.length;
      state.usage.addTokens(summary.usage, summary.by);
      if (chargeTurn(accumulator, estimateCost(summary.usage, summary.by.pricing), state.emit)) {
        outcome = 'budget';
        break;
      }
    }
    await checkpoint();
  }

  if (state.signal.aborted) return finishRun(state, 'aborted');
  const usage = state.usage.toSummary(state.pricing, model);
  await guardHook(logger, 'onRunUsage', () =>
    config.onRunUsage?.(toRunUsage(sessionId, usage, state.usage.turns)),
  );
  state.emit({ type: 'stream_complete', usage });
  return finishRun(state, outcome);
}
