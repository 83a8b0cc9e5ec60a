import type { ScriptedResponse, ScriptedTurn } from '../scripted-turn.js';

/**
 * A streamed response with wire-level faults that only a real server can produce, beyond what
 * a `ScriptedResponse` describes (the in-process scripted provider has no wire to corrupt).
 */
export interface MockStreamResponse extends ScriptedResponse {
  /**
   * After this many well-formed events, send one frame whose `data:` is not valid JSON and end
   * the response, as a buggy proxy or a truncated write would.
   */
  malformedFrameAfterEvents?: number;
}

/** One answer of the mock upstream: a scripted turn, possibly with a wire-level fault. */
export type MockTurn = ScriptedTurn | MockStreamResponse;
