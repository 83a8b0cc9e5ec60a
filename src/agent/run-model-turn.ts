import type { GatewayEvent } from '../core/events.js';
import type { Message, SystemPrompt } from '../core/messages.js';
import type { ProviderRequest } from '../core/provider.js';
import type { BudgetAdmission, BudgetRefusal } from '../core/budget-gate.js';
import type { ToolDefinition } from '../core/tool.js';
import type { AgentLoopConfig } from './agent-loop-settings.js';
import { appendSystemNote } from './append-system-note.js';
import { fallbackReasonOf } from './fallback-reason.js';
import { nextCandidateFor, type ModelCandidate } from './model-chain.js';
import type { ModelCallMeter } from './model-call-meter.js';
import {
  runTurn,
  type AbortedTurn,
  type CompletedTurn,
  type FailedTurn,
  type TurnResult,
} from './run-turn.js';
import type { RunTrace } from './tracing/run-tracer.js';

/** What one model turn of the loop needs from its run. */
export interface ModelTurnInput {
  /** The models the turn may run on, the run's own first (see `modelChainOf`). */
  chain: readonly ModelCandidate[];
  settings: AgentLoopConfig;
  /** The "[Background tasks active: …]" line for the turn after a compaction. */
  backgroundTasksReminder: (() => string | undefined) | undefined;
  sessionId: string;
  systemPrompt: SystemPrompt | undefined;
  messages: readonly Message[];
  tools: ToolDefinition[];
  /** The previous turn compacted the context: remind the model of its background tasks. */
  afterCompaction: boolean;
  trace: RunTrace;
  emit: (event: GatewayEvent) => void;
  signal: AbortSignal;
  /** The run's budgets: each model the turn calls is reserved first and settled after. */
  meter: ModelCallMeter | undefined;
  /** The turn's number in the run (1 for its first), part of its calls' ids. */
  turnNumber: number;
}

/** A model call the gateway's budgets refused: nothing was sent to the model. */
export interface RefusedTurn {
  status: 'refused';
  refusal: BudgetRefusal;
}

/**
 * How a model turn of the loop ended; a completed one says which model answered it, a refused
 * one why its budget refused it.
 */
export type ModelTurnResult =
  (CompletedTurn & { candidate: ModelCandidate }) | FailedTurn | AbortedTurn | RefusedTurn;

/** One model the turn tried, for the `error` event of a chain that ended in failure. */
interface Attempt {
  model: string;
  code: string;
  detail: string;
}

/**
 * Streams one model turn of the loop, each model in its own `chat` span: builds the request
 * (the server-side compaction setting, the background-task reminder after a compaction) and
 * walks the model chain. A model whose circuit is open is skipped (the last one is always
 * tried); a failure moves on to the next model that takes it, announced with `model_fallback`,
 * only while nothing of the turn was streamed; otherwise, or when no model is left, the turn
 * fails with one `error` event that lists every model tried.
 */
export async function runModelTurn(input: ModelTurnInput): Promise<ModelTurnResult> {
  const { chain, settings, emit } = input;
  const breaker = settings.circuitBreaker;
  /** The models tried so far; made on the first failure. */
  let attempts: Attempt[] | undefined;
  for (let index = 0; ;) {
    const candidate = chain[index];
    if (candidate === undefined) throw new Error('runModelTurn: the model chain is empty');
    const { provider, model } = candidate;
    if (index < chain.length - 1 && breaker.isOpen(provider.name, model)) {
      (attempts ??= []).push({ model, code: 'circuit_open', detail: 'circuit open' });
      moveTo(input, candidate, index + 1, 'circuit_open', 'circuit open');
      index += 1;
      continue;
    }
    const result = await runMetered(input, candidate, index);
    if (result.status === 'aborted' || result.status === 'refused') return result;
    if (result.status === 'completed') {
      breaker.recordSuccess(provider.name, model);
      return {
        status: 'completed',
        blocks: result.blocks,
        toolCalls: result.toolCalls,
        stopReason: result.stopReason,
        usage: result.usage,
        candidate,
      };
    }
    (attempts ??= []).push({ model, code: result.code, detail: result.error });
    const reason = fallbackReasonOf(result.code);
    const next = result.streamed || reason === undefined ? undefined : nextCandidateFor(chain, index, reason);
    if (reason === undefined || next === undefined) return failTurn(emit, result, attempts);
    moveTo(input, candidate, next, reason, result.error);
    index = next;
  }
}

/** Announces that the turn moves on from `from` to the candidate at `next`, to the client and the log. */
function moveTo(
  input: ModelTurnInput,
  from: ModelCandidate,
  next: number,
  reason: string,
  detail: string,
): void {
  const to = input.chain[next]?.model ?? '';
  input.emit({ type: 'model_fallback', from: from.model, to, reason });
  input.settings.logger.warn('model unavailable; falling back', {
    sessionId: input.sessionId,
    from: `${from.provider.name}/${from.model}`,
    to,
    reason,
    error: detail,
  });
}

/** The request of the turn to `candidate`: its model and reasoning level. */
function requestOf(input: ModelTurnInput, candidate: ModelCandidate): ProviderRequest {
  const { settings } = input;
  const request: ProviderRequest = {
    // After a compaction the model no longer sees the calls that started background tasks.
    system: input.afterCompaction
      ? appendSystemNote(input.systemPrompt, input.backgroundTasksReminder?.())
      : input.systemPrompt,
    messages: [...input.messages],
    tools: input.tools,
    maxTokens: settings.maxTokens,
    model: candidate.model,
    thinking: candidate.thinking,
  };
  if (settings.compaction?.mode === 'server') {
    request.compaction = {
      trigger: settings.compaction.trigger,
      instructions: settings.compaction.instructions,
    };
  }
  return request;
}

/**
 * One model's try at the turn under the run's budgets: its worst case reserved first (a model
 * the turn falls back to is a call of its own), then settled to its usage, or to what is known
 * of it when it failed or was stopped (released when nothing of it reached the model).
 */
async function runMetered(
  input: ModelTurnInput,
  candidate: ModelCandidate,
  index: number,
): Promise<TurnResult | RefusedTurn> {
  const { meter } = input;
  if (meter === undefined) return runOn(input, candidate, index);
  const request = requestOf(input, candidate);
  let admission: BudgetAdmission;
  try {
    admission = await meter.admit(
      { label: `t${input.turnNumber}m${index}`, provider: candidate.provider.name, request },
      input.signal,
    );
  } catch (error) {
    if (input.signal.aborted) return { status: 'aborted', partialText: '' };
    throw error;
  }
  if (!admission.admitted) return { status: 'refused', refusal: admission.refusal };
  const { reservation } = admission;
  let result: TurnResult | undefined;
  try {
    result = await runOn(input, candidate, index, request);
    return result;
  } finally {
    if (result?.status === 'completed') await meter.settle(reservation, result.usage);
    else await meter.end(reservation, result?.spent ?? { reachedModel: true }, request);
  }
}

/**
 * One model's try at the turn (the candidate at `index` of the chain), with its retries, in its
 * own span; failures count on its circuit.
 */
function runOn(
  input: ModelTurnInput,
  candidate: ModelCandidate,
  index: number,
  request: ProviderRequest = requestOf(input, candidate),
): Promise<TurnResult> {
  const { settings, chain } = input;
  const { provider, model } = candidate;
  return input.trace.turn(
    request,
    ({ emit, onRetry }) =>
      runTurn({
        provider,
        request,
        emit,
        signal: input.signal,
        streamStallTimeoutMs: settings.streamStallTimeoutMs,
        turnTimeoutMs: settings.turnTimeoutMs,
        retry: settings.retry,
        moveOn: (code) => {
          const reason = fallbackReasonOf(code);
          return reason !== undefined && nextCandidateFor(chain, index, reason) !== undefined;
        },
        onAttemptFailed: (code) => {
          if (fallbackReasonOf(code) !== undefined)
            settings.circuitBreaker.recordFailure(provider.name, model);
        },
        onRetry: ({ attempt, detail, code }) => {
          onRetry({ attempt, code });
          settings.logger.warn('model call failed; retrying', {
            sessionId: input.sessionId,
            model,
            attempt,
            code,
            error: detail,
          });
        },
      }),
    input.emit,
    provider.name,
  );
}

/** Tells the client the turn failed: the last model's code, and every model tried when several were. */
function failTurn(emit: (event: GatewayEvent) => void, last: FailedTurn, attempts: Attempt[]): FailedTurn {
  if (attempts.length < 2) {
    emit({ type: 'error', error: last.message, code: last.code });
    return last;
  }
  emit({
    type: 'error',
    error: last.message,
    code: last.code,
    attempts: attempts.map(({ model, code }) => ({ model, code })),
  });
  return { ...last, error: attempts.map(({ model, detail }) => `${model}: ${detail}`).join('; ') };
}
