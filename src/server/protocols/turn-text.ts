import type { GatewayEvent } from '../../core/events.js';

/** The paragraph break between the texts of two model turns in one piece of text. */
export const TURN_BREAK = '\n\n';

/**
 * The text of a run, kept per model turn: protocols that answer with the run's text (an MCP
 * tool result, an A2A artifact) would otherwise glue the text before a tool call to the text
 * after it ("I will call a tool.The tool said ..."). A turn ends at a tool call; the next
 * turn's text starts a new part. Invariant: no part is empty.
 */
export interface TurnText {
  /** The text of each turn that wrote any, oldest first. */
  readonly parts: readonly string[];
  /** The whole text, turns separated by a paragraph break. */
  readonly joined: string;
  /**
   * Folds in one event; returns what a text delta adds to `joined` (with the paragraph break
   * before the first text of a new turn), or undefined for an event that adds no text.
   */
  fold(event: GatewayEvent): string | undefined;
  /** Whether the next text delta starts a turn after an earlier turn's text (adds a break). */
  readonly breaksNext: boolean;
  /** Replaces the text with `parts` (a run's answer read back from its thread). */
  reset(parts: readonly string[]): void;
}

/** Creates an empty `TurnText`. */
export function createTurnText(): TurnText {
  const parts: string[] = [];
  let joined = '';
  /** A tool call came after the last text: the next text starts a turn. */
  let turnEnded = false;
  const reset = (next: readonly string[]): void => {
    parts.length = 0;
    for (const part of next) if (part !== '') parts.push(part);
    joined = parts.join(TURN_BREAK);
    turnEnded = false;
  };
  return {
    get parts() {
      return parts;
    },
    get joined() {
      return joined;
    },
    get breaksNext() {
      return turnEnded && parts.length > 0;
    },
    reset,
    fold(event) {
      switch (event.type) {
        case 'text_delta': {
          if (event.text === '') return undefined;
          const last = parts.length - 1;
          if (last < 0 || turnEnded) {
            const added = last < 0 ? event.text : `${TURN_BREAK}${event.text}`;
            parts.push(event.text);
            joined += added;
            turnEnded = false;
            return added;
          }
          parts[last] += event.text;
          joined += event.text;
          return event.text;
        }
        case 'tool_call_start':
        case 'tool_approval_request':
          turnEnded = true;
          return undefined;
        case 'stream_retry':
          // The failed attempt's text is dropped, as the protocols' streams drop it.
          reset([]);
          return undefined;
        default:
          return undefined;
      }
    },
  };
}
