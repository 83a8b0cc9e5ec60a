import type { GatewayEvent } from '../core/events.js';
import type { Message, SystemPrompt } from '../core/messages.js';
import type { ProviderRequest } from '../core/provider.js';
import type { ToolDefinition } from '../core/tool.js';
import type { AgentLoopConfig } from './agent-loop-settings.js';
import { appendSystemNote } from './append-system-note.js';
import { fallbackReasonOf } from './fallback-reason.js';
import { nextCandidateFor, type ModelCandidate } from './model-chain.js';
import { runTurn, type AbortedTurn, type CompletedTurn, type FailedTurn } from './run-turn.js';
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
}

/** How a model turn of the loop ended; a completed one says which model answered it. */
export type ModelTurnResult = (CompletedTurn & { candidate: ModelCandidate }) | FailedTurn | AbortedTurn;

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
  const request = requestOf(input);
  const attempts: Attempt[] = [];
  const moveTo = (from: ModelCandidate, next: number, reason: string, detail: string): void => {
    const to = chain[next]?.model ?? '';
    emit({ type: 'model_fallback', from: from.model, to, reason });
    settings.logger.warn('model unavailable; falling back', {
      sessionId: input.sessionId,
      from: `${from.provider.name}/${from.model}`,
      to,
      reason,
      error: detail,
    });
  };
  for (let index = 0; ;) {
    const candidate = chain[index];
    if (candidate === undefined) throw new Error('runModelTurn: the model chain is empty');
    const { provider, model } = candidate;
    if (index < chain.length - 1 && breaker.isOpen(provider.name, model)) {
      attempts.push({ model, code: 'circuit_open', detail: 'circuit open' });
      moveTo(candidate, index + 1, 'circuit_open', 'circuit open');
      index += 1;
      continue;
    }
    const result = await runOn(
      input,
      candidate,
      { ...request, model, thinking: candidate.thinking },
      (code) => {
        const reason = fallbackReasonOf(code);
        return reason !== undefined && nextCandidateFor(chain, index, reason) !== undefined;
      },
    );
    if (result.status === 'aborted') return result;
    if (result.status === 'completed') {
      breaker.recordSuccess(provider.name, model);
      return { ...result, candidate };
    }
    attempts.push({ model, code: result.code, detail: result.error });
    const reason = fallbackReasonOf(result.code);
    const next = result.streamed || reason === undefined ? undefined : nextCandidateFor(chain, index, reason);
    if (reason === undefined || next === undefined) return failTurn(emit, result, attempts);
    moveTo(candidate, next, reason, result.error);
    index = next;
  }
}

/** The request of the turn, before the model and its reasoning level are set per candidate. */
function requestOf(input: ModelTurnInput): Omit<ProviderRequest, 'model' | 'thinking'> {
  const { settings } = input;
  return {
    // After a compaction the model no longer sees the calls that started background tasks.
    system: input.afterCompaction
      ? appendSystemNote(input.systemPrompt, input.backgroundTasksReminder?.())
      : input.systemPrompt,
    ...(settings.compaction?.mode === 'server'
      ? {
          compaction: {
            trigger: settings.compaction.trigger,
            instructions: settings.compaction.instructions,
          },
        }
      : {}),
    messages: [...input.messages],
    tools: input.tools,
    maxTokens: settings.maxTokens,
  };
}

/** One model's try at the turn, with its retries, in its own span; failures count on its circuit. */
function runOn(
  input: ModelTurnInput,
  candidate: ModelCandidate,
  request: ProviderRequest,
  moveOn: (code: string) => boolean,
) {
  const { settings } = input;
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
        moveOn,
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
