import type { StopReason } from '../../core/messages.js';

/**
 * Maps a Chat Completions `finish_reason` onto the canonical stop reason.
 *
 * - `content_filter` becomes `refusal`, not `error`: the turn did complete
 *   and its partial text is valid history, whereas normalisation drops `error` turns and the
 *   loop would treat it as a provider failure.
 * - When tool calls were streamed the turn is `tool_use` even if the server said `stop` or
 *   nothing (Ollama and some proxies do), because the loop only continues after `tool_use`.
 * - A missing or unknown reason ends the turn normally.
 */
export function mapOpenAIFinishReason(
  finishReason: string | null | undefined,
  sawToolCalls: boolean,
): StopReason {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      return 'refusal';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    default:
      return sawToolCalls ? 'tool_use' : 'end_turn';
  }
}
