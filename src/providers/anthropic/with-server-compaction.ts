import type { MessageCreateParamsStreaming as BetaMessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import type { MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages';
import type { CompactionSettings } from '../../core/provider.js';
import { ANTHROPIC_OAUTH_BETAS } from './anthropic-oauth.js';
import type { AnthropicAuthMode } from './anthropic-provider-options.js';

/** The beta flag of server-side compaction. */
export const ANTHROPIC_COMPACTION_BETA = 'compact-2026-01-12';

/**
 * A request for the beta Messages endpoint with server-side compaction: the `compact_20260112`
 * context-management edit, triggered by input tokens, with the optional instructions, and the
 * beta flag. The `betas` parameter replaces the client's `anthropic-beta` header for this
 * request, so an OAuth request carries its own flags again.
 */
export function withServerCompaction(
  params: MessageCreateParamsStreaming,
  compaction: CompactionSettings,
  authMode: AnthropicAuthMode,
): BetaMessageCreateParamsStreaming {
  const instructions = compaction.instructions?.trim();
  return {
    ...params,
    betas: [ANTHROPIC_COMPACTION_BETA, ...(authMode === 'oauth' ? ANTHROPIC_OAUTH_BETAS : [])],
    context_management: {
      edits: [
        {
          type: 'compact_20260112',
          trigger: { type: 'input_tokens', value: compaction.trigger },
          ...(instructions === undefined || instructions === '' ? {} : { instructions }),
        },
      ],
    },
  };
}
