import type { UsageSummary } from '../../../core/events.js';
import type { UiMessageMetadata } from './ui-message-chunks.js';

/**
 * The run's usage as the assistant message's metadata (`finish.messageMetadata`), in the
 * camelCase of `RunUsage`; the stub reply's empty usage gives none.
 */
export function toUiMessageMetadata(
  usage: UsageSummary | Record<string, never>,
): UiMessageMetadata | undefined {
  if (!('input_tokens' in usage)) return undefined;
  return {
    usage: {
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      cacheReadInputTokens: usage.cache_read_input_tokens,
      cacheCreationInputTokens: usage.cache_creation_input_tokens,
      estimatedCost: usage.estimated_cost,
    },
  };
}
