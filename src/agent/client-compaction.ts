import type { GatewayEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Message } from '../core/messages.js';
import type { Provider, TurnUsage } from '../core/provider.js';
import type { LoopCompaction } from './agent-loop-settings.js';
import { compactHistory } from './compact-history.js';

/** What one client-side compaction needs from the run. */
export interface ClientCompactionContext {
  provider: Provider;
  model: string;
  sessionId: string;
  messages: Message[];
  emit: (event: GatewayEvent) => void;
  signal: AbortSignal;
  logger: Logger;
}

const inputOf = (usage: TurnUsage): number =>
  usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;

/**
 * After a turn whose input passed the trigger, compacts the history in place (client mode
 * only): the older turns become one summary message, `compaction {chars}` is emitted, and the
 * summary call's tokens are returned so the run counts them toward usage, cost and budget. A
 * failed summary is logged and the run goes on uncompacted. Returns undefined when nothing was
 * done.
 */
export async function compactAfterTurn(
  settings: LoopCompaction | undefined,
  lastTurn: TurnUsage,
  context: ClientCompactionContext,
): Promise<TurnUsage | undefined> {
  if (settings?.mode !== 'client' || inputOf(lastTurn) < settings.trigger) return undefined;
  try {
    const compacted = await compactHistory({
      provider: context.provider,
      model: settings.model ?? context.model,
      messages: context.messages,
      instructions: settings.instructions,
      signal: context.signal,
    });
    if (compacted === undefined) return undefined;
    context.messages.splice(0, context.messages.length, ...compacted.messages);
    context.emit({ type: 'compaction', chars: compacted.summary.length });
    return compacted.usage;
  } catch (error) {
    if (context.signal.aborted) return undefined;
    context.logger.warn('client-side compaction failed; the run goes on uncompacted', {
      sessionId: context.sessionId,
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}
