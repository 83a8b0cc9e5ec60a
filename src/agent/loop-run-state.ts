import type { GatewayEvent, UsageSummary } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Message } from '../core/messages.js';
import type { ModelPricing, Provider } from '../core/provider.js';
import type { RunOutcome, RunResult } from './agent-loop-input.js';
import type { OnMaxTurns } from './agent-hooks.js';
import { streamStubReply, stubReplyText } from './stub-reply.js';
import type { RunTrace } from './tracing/run-tracer.js';
import type { ModelCallMeter } from './model-call-meter.js';
import type { UsageTotals } from './usage.js';

/** Mutable state of one run, threaded through the loop's steps. */
export interface RunState {
  messages: Message[];
  /** Where this run's own messages start in `messages` (after its input, or the last summary). */
  ownFrom: number;
  /** The run's own messages that compactions replaced (see `RunResult.compactedMessages`). */
  compactedMessages: Message[];
  usage: UsageTotals;
  /** The run's own model (the first of its chain) and its prices. */
  model: string;
  pricing: ModelPricing;
  emit: (event: GatewayEvent) => void;
  signal: AbortSignal;
  trace: RunTrace;
  /** The run's gateway budgets (none when the run spends under none). */
  meter: ModelCallMeter | undefined;
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs a hook; a throw or rejection is logged and becomes `undefined`. */
export async function guardHook<T>(
  logger: Logger,
  hook: string,
  call: () => T | Promise<T>,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    logger.warn(`${hook} hook failed`, { error: messageOf(error) });
    return undefined;
  }
}

/**
 * Ends the run's span and builds what the run resolves with. `usage` is the run's summary when
 * the caller already made it (for `stream_complete`), else it is made here.
 */
export function finishRun(
  state: RunState,
  outcome: RunOutcome,
  error?: string,
  errorCode?: string,
  usage: UsageSummary = state.usage.toSummary(state.pricing, state.model),
): RunResult {
  state.trace.end({
    outcome,
    turns: state.usage.turns,
    costUsd: usage.estimated_cost,
    usage: state.usage.tokens,
    error,
    errorCode,
    output: state.messages.slice(-1),
  });
  const result: RunResult = { outcome, messages: state.messages, usage, turns: state.usage.turns };
  if (state.compactedMessages.length > 0) result.compactedMessages = state.compactedMessages;
  if (error !== undefined) result.error = error;
  if (errorCode !== undefined) result.errorCode = errorCode;
  return result;
}

/** The no-credential reply: the words, then `stream_complete` with empty usage. */
export async function replyWithStub(
  state: RunState,
  provider: Provider,
  model: string,
  wordDelayMs: number,
): Promise<RunResult> {
  const providerName = provider.name;
  const finished = await streamStubReply({
    providerName,
    messages: state.messages,
    emit: state.emit,
    wordDelayMs,
    signal: state.signal,
  });
  if (!finished) return finishRun(state, 'aborted');
  const text = stubReplyText(providerName, state.messages);
  state.messages.push({
    role: 'assistant',
    content: text,
    provider: providerName,
    model,
    stop_reason: 'end_turn',
  });
  state.emit({ type: 'stream_complete', usage: {} });
  return finishRun(state, 'completed');
}

/** What the turn limit's notice needs. */
export interface MaxTurnsNotice {
  notice: string;
  onMaxTurns: OnMaxTurns | undefined;
  logger: Logger;
}

/** Announces the turn limit: the event, then the notice with the `onMaxTurns` summary. */
export async function reachMaxTurns(
  state: RunState,
  turnCount: number,
  maxTurns: number,
  { notice, onMaxTurns, logger }: MaxTurnsNotice,
): Promise<void> {
  state.emit({ type: 'max_turns_reached', turn_count: turnCount, max_turns: maxTurns });
  const summary = await guardHook(logger, 'onMaxTurns', () => onMaxTurns?.(state.messages, turnCount));
  const suffix = typeof summary === 'string' && summary !== '' ? `\n${summary}` : '';
  state.emit({ type: 'text_delta', text: `\n\n${notice}${suffix}` });
}
