import type { CircuitBreaker } from '../core/circuit-breaker.js';
import type { GatewayEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Message } from '../core/messages.js';
import type { TurnUsage } from '../core/provider.js';
import type { LoopCompaction } from './agent-loop-settings.js';
import { compactHistory, SUMMARY_MAX_TOKENS, type CompactedHistory } from './compact-history.js';
import type { ModelCallMeter } from './model-call-meter.js';
import { describeFailureForClient } from './describe-failure-for-client.js';
import { fallbackReasonOf } from './fallback-reason.js';
import type { ModelCandidate } from './model-chain.js';
import type { PricedModel } from './usage.js';

/** What one client-side compaction needs from the run. */
export interface ClientCompactionContext {
  /** The run's model chain: its first model writes the summary unless the settings name one. */
  chain: readonly ModelCandidate[];
  circuitBreaker: CircuitBreaker;
  sessionId: string;
  messages: Message[];
  emit: (event: GatewayEvent) => void;
  signal: AbortSignal;
  logger: Logger;
  /** The run's gateway budgets: a summary call is reserved and settled like a turn. */
  meter?: ModelCallMeter | undefined;
  /** The turn after which the history is compacted, part of the summary call's id. */
  turnNumber?: number;
}

/** The tokens a summary cost and the model that wrote it. */
export interface SummaryUsage {
  usage: TurnUsage;
  by: PricedModel;
}

const inputOf = (usage: TurnUsage): number =>
  usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The models that may write the summary: the settings' `model` (on the run's provider) or the
 * run's own, then the run's fallback models, as a turn would try them.
 */
function summaryChainOf(settings: LoopCompaction, chain: readonly ModelCandidate[]): ModelCandidate[] {
  const [first, ...fallbacks] = chain;
  if (first === undefined || settings.model === undefined || settings.model === first.model)
    return [...chain];
  const summaryModel = { ...first, model: settings.model, info: first.provider.getModelInfo(settings.model) };
  return [summaryModel, ...fallbacks.filter((candidate) => candidate.model !== settings.model)];
}

/**
 * One summary call on `candidate`, under the run's budgets when it has some: `refused` when they
 * refuse it (the run goes on uncompacted; its next turn meets the same budget).
 */
async function summarise(
  context: ClientCompactionContext,
  candidate: ModelCandidate,
  index: number,
  instructions: string | undefined,
): Promise<CompactedHistory | undefined | 'refused'> {
  const { provider, model } = candidate;
  const call = () =>
    compactHistory({ provider, model, messages: context.messages, instructions, signal: context.signal });
  const { meter } = context;
  if (meter === undefined) return call();
  const request = {
    model,
    system: undefined,
    messages: context.messages,
    tools: [],
    maxTokens: SUMMARY_MAX_TOKENS,
  };
  const label = `c${context.turnNumber ?? 0}m${index}`;
  const admission = await meter.admit({ label, provider: provider.name, request }, context.signal);
  if (!admission.admitted) return 'refused';
  let compacted: CompactedHistory | undefined;
  try {
    compacted = await call();
    return compacted;
  } finally {
    // A summary that failed: its usage is not known, and nothing of it was streamed.
    if (compacted === undefined) await meter.end(admission.reservation, { reachedModel: false }, request);
    else await meter.settle(admission.reservation, compacted.usage);
  }
}

/**
 * After a turn whose input passed the trigger, compacts the history in place (client mode
 * only): the older turns become one summary message, `compaction {chars}` is emitted, and the
 * summary call's tokens are returned with the model that wrote it, so the run counts them
 * toward usage, cost and budget. The summary falls back along the run's models like a turn
 * (nothing of it is streamed, so any failure a later model takes moves on), skipping open
 * circuits. A failed summary is logged and the run goes on uncompacted. Returns undefined when
 * nothing was done.
 */
export async function compactAfterTurn(
  settings: LoopCompaction | undefined,
  lastTurn: TurnUsage,
  context: ClientCompactionContext,
): Promise<SummaryUsage | undefined> {
  if (settings?.mode !== 'client' || inputOf(lastTurn) < settings.trigger) return undefined;
  const breaker = context.circuitBreaker;
  try {
    const candidates = summaryChainOf(settings, context.chain);
    for (const [index, candidate] of candidates.entries()) {
      const { provider, model } = candidate;
      const isLast = index === candidates.length - 1;
      if (!isLast && breaker.isOpen(provider.name, model)) continue;
      try {
        const compacted = await summarise(context, candidate, index, settings.instructions);
        if (compacted === 'refused') return undefined;
        breaker.recordSuccess(provider.name, model);
        if (compacted === undefined) return undefined;
        context.messages.splice(0, context.messages.length, ...compacted.messages);
        context.emit({ type: 'compaction', chars: compacted.summary.length });
        return { usage: compacted.usage, by: { model, pricing: candidate.info.pricing } };
      } catch (error) {
        if (context.signal.aborted) return undefined;
        const reason = fallbackReasonOf(describeFailureForClient(error).code);
        if (reason !== undefined) breaker.recordFailure(provider.name, model);
        const next = candidates[index + 1];
        if (reason === undefined || next === undefined || !next.when.has(reason)) throw error;
        context.logger.warn('summary model unavailable; falling back', {
          sessionId: context.sessionId,
          from: `${provider.name}/${model}`,
          to: next.model,
          reason,
          error: messageOf(error),
        });
      }
    }
    return undefined;
  } catch (error) {
    if (context.signal.aborted) return undefined;
    context.logger.warn('client-side compaction failed; the run goes on uncompacted', {
      sessionId: context.sessionId,
      error: messageOf(error),
    });
    return undefined;
  }
}
