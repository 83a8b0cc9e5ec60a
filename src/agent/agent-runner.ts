import { GatewayError } from '../core/errors.js';
import type { GatewayEvent } from '../core/events.js';
import type { Message } from '../core/messages.js';
import type { ModelInfo, ModelPricing, ThinkingLevel } from '../core/provider.js';
import type { ToolDefinition } from '../core/tool.js';
import { streamStubReply, stubReplyText } from './stub-reply.js';
import {
  resolveAgentRunnerOptions,
  resolveRunMaxTurns,
  type AgentRunnerOptions,
  type ResolvedRunnerSettings,
  type RunOptions,
  type RunOutcome,
  type RunResult,
} from './agent-runner-options.js';
import { toRunUsage } from './agent-hooks.js';
import { chargeTurn, type CostAccumulator } from './budget.js';
import { executeToolCalls } from './execute-tool-calls.js';
import {
  createCheckpointWriter,
  finishToolsInFlight,
  recordFinished,
  takeCheckpoint,
} from './run-checkpoints.js';
import { estimateCost, UsageTotals } from './usage.js';
import { runModelTurn } from './run-model-turn.js';
import { executionLocationSafely, hasCredentialSafely } from './guarded-lookups.js';
import { compactAfterTurn } from './client-compaction.js';
import { startRunTrace, type RunTrace } from './tracing/run-tracer.js';

const noPricing: ModelPricing = {
  inputPerMTok: 0,
  outputPerMTok: 0,
  cacheReadPerMTok: 0,
  cacheWritePerMTok: 0,
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Mutable state of one `run()`, threaded through the loop's steps. */
interface RunState {
  messages: Message[];
  usage: UsageTotals;
  pricing: ModelPricing;
  emit: (event: GatewayEvent) => void;
  signal: AbortSignal;
  trace: RunTrace;
}

/**
 * The agent loop: streams model turns, runs the tools they call, feeds the results back, and
 * stops on the model's final answer, the turn limit, the budget, a failure or cancellation.
 *
 * One runner serves one run (its event log finishes with the run). Every event goes to the
 * event log; the run ends with exactly one terminal event — `stream_complete` on success,
 * `error` on failure — except when the caller's signal aborts it, in which case nothing more
 * is written and the caller decides what to emit. When `run()` settles no timer, listener or
 * request of the run is left behind.
 */
export class AgentRunner {
  readonly #options: AgentRunnerOptions;
  readonly #settings: ResolvedRunnerSettings;
  #started = false;

  /**
   * Validates every option; throws `GatewayError('invalid_option')` naming the bad one.
   * `resolved` skips that for options whose settings were already resolved from them
   * (`RunnerTemplate`, which checks once for many runs).
   */
  constructor(options: AgentRunnerOptions, resolved?: ResolvedRunnerSettings) {
    this.#settings = resolved ?? resolveAgentRunnerOptions(options);
    this.#options = options;
  }

  /** The cost accumulator of this runner; pass it to sub-agents so one budget covers all. */
  get costAccumulator(): CostAccumulator {
    return this.#settings.costAccumulator;
  }

  /** Runs the loop once over `messages`; see the class comment for how it ends. */
  async run(runOptions: RunOptions): Promise<RunResult> {
    const maxTurns = resolveRunMaxTurns(runOptions, this.#settings.maxTurns);
    if (this.#started) {
      throw new GatewayError(
        'invalid_option',
        'an AgentRunner runs once; create one per run (with its EventLog)',
      );
    }
    this.#started = true;

    const { provider, eventLog } = this.#options;
    const model = runOptions.model ?? this.#options.model;
    const resume = runOptions.resume;
    const state: RunState = {
      messages: [...(resume?.messages ?? runOptions.messages)],
      usage: resume === undefined ? new UsageTotals() : UsageTotals.restore(resume.turns, resume.tokens),
      pricing: noPricing,
      emit: (event) => void eventLog.append(event),
      signal: runOptions.signal ?? new AbortController().signal,
      trace: startRunTrace({
        ...this.#settings.tracing,
        agentName: this.#settings.agentName,
        providerName: provider.name,
        model,
        sessionId: this.#options.sessionId,
        runId: runOptions.runId,
        parent: runOptions.traceParent,
        systemPrompt: runOptions.systemPrompt,
        input: resume?.messages ?? runOptions.messages,
      }),
    };
    if (state.signal.aborted) return this.#result(state, 'aborted');
    if (!hasCredentialSafely(provider, this.#settings.logger)) return this.#stubReply(state, model);

    let modelInfo: ModelInfo;
    let tools: ToolDefinition[];
    try {
      modelInfo = provider.getModelInfo(model);
      tools = (this.#options.getToolDefinitions?.() ?? []).filter(
        (tool) => !this.#settings.excludedTools.has(tool.name),
      );
    } catch (error) {
      // A model the provider does not know is a deployment or request mistake, not a secret.
      state.emit({ type: 'error', error: messageOf(error), code: 'invalid_model' });
      return this.#result(state, 'error', messageOf(error), 'invalid_model');
    }
    state.pricing = modelInfo.pricing;
    // A resumed run's earlier turns count toward the budget it shares with its first part.
    const accumulator = this.#settings.costAccumulator;
    if (resume !== undefined) accumulator.add(resume.costUsd ?? estimateCost(resume.tokens, state.pricing));
    const checkpoints = createCheckpointWriter(this.#options.onCheckpoint, this.#settings.logger);
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
    const thinking: ThinkingLevel =
      this.#settings.thinking && this.#settings.maxTokens >= 2048 && modelInfo.supportsThinking
        ? 'high'
        : 'none';

    const toolSettings = {
      tools: this.#options.tools,
      sessionId: this.#options.sessionId,
      emit: state.emit,
      signal: state.signal,
      excludedTools: this.#settings.excludedTools,
      toolCallTimeoutMs: this.#settings.toolCallTimeoutMs,
      executionLocation: (name: string) =>
        executionLocationSafely(
          name,
          { runner: this.#options.executionLocation, tools: this.#options.tools },
          this.#settings.logger,
        ),
      onToolResult: this.#options.onToolResult,
      onToolTiming: this.#options.onToolTiming,
      logger: this.#settings.logger,
      maxConcurrentSubAgents: this.#settings.maxConcurrentSubAgents,
      trace: state.trace,
    };

    let outcome: RunOutcome = 'completed';
    let finishedBeforeLoop = false;
    if (resume?.toolsInFlight !== undefined) {
      const blocks = await finishToolsInFlight(resume.toolsInFlight, toolSettings);
      if (blocks === undefined) return this.#result(state, 'aborted');
      state.messages.push({ role: 'user', content: blocks });
      await checkpoint();
      finishedBeforeLoop = resume.toolsInFlight.stopReason === 'end_turn';
    }
    let compacted = false;
    for (let turnCount = state.usage.turns + 1; !finishedBeforeLoop; turnCount += 1) {
      if (maxTurns !== undefined && turnCount > maxTurns) {
        await this.#reachMaxTurns(state, turnCount, maxTurns);
        outcome = 'max_turns';
        break;
      }
      const turn = await runModelTurn({
        provider,
        settings: this.#settings,
        sessionId: this.#options.sessionId,
        model,
        systemPrompt: runOptions.systemPrompt,
        messages: state.messages,
        tools,
        thinking,
        afterCompaction: compacted,
        trace: state.trace,
        emit: state.emit,
        signal: state.signal,
      });
      if (turn.status === 'aborted') return this.#result(state, 'aborted');
      if (turn.status === 'failed') return this.#result(state, 'error', turn.error, turn.code);
      compacted =
        turn.stopReason === 'compaction' || turn.blocks.some((block) => block.type === 'compaction');

      state.usage.add(turn.usage);
      if (turn.blocks.length > 0) {
        state.messages.push({
          role: 'assistant',
          content: turn.blocks,
          provider: provider.name,
          model,
          stop_reason: turn.stopReason,
        });
      }
      if (chargeTurn(this.#settings.costAccumulator, estimateCost(turn.usage, state.pricing), state.emit)) {
        outcome = 'budget';
        break;
      }
      if (turn.toolCalls.length === 0) {
        // pause_turn: a server-side tool paused the turn; compaction: the provider summarised
        // the context. Both expect the conversation to go on.
        if (turn.stopReason === 'pause_turn' || turn.stopReason === 'compaction') continue;
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
      if (aborted) return this.#result(state, 'aborted');
      state.messages.push({
        role: 'user',
        content: [
          ...executed.map((call) => call.resultBlock),
          ...executed.flatMap((call) => call.extraBlocks),
        ],
      });
      if (turn.stopReason === 'end_turn') {
        await checkpoint();
        break;
      }
      const summaryUsage = await compactAfterTurn(this.#settings.compaction, turn.usage, {
        provider,
        model,
        sessionId: this.#options.sessionId,
        messages: state.messages,
        emit: state.emit,
        signal: state.signal,
        logger: this.#settings.logger,
      });
      if (summaryUsage !== undefined) {
        state.usage.addTokens(summaryUsage);
        if (
          chargeTurn(this.#settings.costAccumulator, estimateCost(summaryUsage, state.pricing), state.emit)
        ) {
          outcome = 'budget';
          break;
        }
      }
      await checkpoint();
    }

    if (state.signal.aborted) return this.#result(state, 'aborted');
    const summary = state.usage.toSummary(state.pricing);
    await this.#guard('onRunUsage', () =>
      this.#options.onRunUsage?.(toRunUsage(this.#options.sessionId, summary, state.usage.turns)),
    );
    state.emit({ type: 'stream_complete', usage: summary });
    return this.#result(state, outcome);
  }

  /** The no-credential reply: the words, then `stream_complete` with empty usage. */
  async #stubReply(state: RunState, model: string): Promise<RunResult> {
    const providerName = this.#options.provider.name;
    const finished = await streamStubReply({
      providerName,
      messages: state.messages,
      emit: state.emit,
      wordDelayMs: this.#settings.stubWordDelayMs,
      signal: state.signal,
    });
    if (!finished) return this.#result(state, 'aborted');
    const text = stubReplyText(providerName, state.messages);
    state.messages.push({
      role: 'assistant',
      content: text,
      provider: providerName,
      model,
      stop_reason: 'end_turn',
    });
    state.emit({ type: 'stream_complete', usage: {} });
    return this.#result(state, 'completed');
  }

  async #reachMaxTurns(state: RunState, turnCount: number, maxTurns: number): Promise<void> {
    state.emit({ type: 'max_turns_reached', turn_count: turnCount, max_turns: maxTurns });
    const summary = await this.#guard('onMaxTurns', () =>
      this.#options.onMaxTurns?.(state.messages, turnCount),
    );
    const suffix = typeof summary === 'string' && summary !== '' ? `\n${summary}` : '';
    state.emit({ type: 'text_delta', text: `\n\n${this.#settings.maxTurnsNotice}${suffix}` });
  }

  /** Runs a hook; a throw or rejection is logged and becomes `undefined`. */
  async #guard<T>(hook: string, call: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      this.#settings.logger.warn(`${hook} hook failed`, { error: messageOf(error) });
      return undefined;
    }
  }

  #result(state: RunState, outcome: RunOutcome, error?: string, errorCode?: string): RunResult {
    const usage = state.usage.toSummary(state.pricing);
    state.trace.end({
      outcome,
      turns: state.usage.turns,
      costUsd: usage.estimated_cost,
      usage: state.usage.tokens,
      error,
      errorCode,
      output: state.messages.slice(-1),
    });
    return {
      outcome,
      messages: state.messages,
      usage,
      turns: state.usage.turns,
      ...(error === undefined ? {} : { error }),
      ...(errorCode === undefined ? {} : { errorCode }),
    };
  }
}
