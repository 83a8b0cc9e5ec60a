import type { StopReason } from '../../core/messages.js';

/**
 * Maps an Anthropic `stop_reason` onto the canonical vocabulary. Hitting the context window is
 * reported like hitting `max_tokens` (the answer was cut short either way); a missing or
 * unknown reason counts as a normal `end_turn`, so a new API value never fails a turn.
 */
export function mapAnthropicStopReason(stopReason: string | null | undefined): StopReason {
  switch (stopReason) {
    case 'end_turn':
    case 'max_tokens':
    case 'tool_use':
    case 'stop_sequence':
    case 'pause_turn':
    case 'refusal':
    case 'compaction':
      return stopReason;
    case 'model_context_window_exceeded':
      return 'max_tokens';
    default:
      return 'end_turn';
  }
}
