import type { LogEntry } from '../../core/events.js';

/** How a stream turns log entries into frames; see `SseStreamOptions.framing`. */
export interface SseFraming {
  /**
   * The frames of one entry (`''` for none) and whether the response ends after them. An end
   * counts as complete: `onAbandoned` is not called for it. The caller reads the result before
   * the next call, so a framing may hand back the same object every time.
   */
  frame(entry: LogEntry): { text: string; last: boolean };
  /** A keep-alive frame (an SSE comment for protocols whose clients parse every `data:`). */
  ping(nowMs: number): string;
  /** What to send when an entry cannot be framed or the entries fail; the stream then ends. */
  failure(message: string): string;
}

/**
 * Serialises one log entry as an SSE frame: `id: <runId>:<seq>` (or `id: <seq>` without a run
 * id) then one `data:` line of compact JSON. JSON never contains a raw newline, so a single
 * data line is always enough.
 */
export function formatSseEntry(entry: LogEntry, runId?: string): string {
  const id = runId === undefined ? String(entry.seq) : `${runId}:${entry.seq}`;
  return `id: ${id}\ndata: ${JSON.stringify(entry.event)}\n\n`;
}

/** Our native framing: `id:` + `data:` per event, heartbeats as `heartbeat` events. */
export function nativeSseFraming(runId?: string): SseFraming {
  // The id prefix is the same for every frame of the stream: build it once.
  const idPrefix = runId === undefined ? 'id: ' : `id: ${runId}:`;
  // One result object for the stream, refilled per entry: the frame string is the only
  // allocation per delta.
  const framed = { text: '', last: false };
  return {
    frame: (entry) => {
      framed.text = `${idPrefix}${entry.seq}\ndata: ${JSON.stringify(entry.event)}\n\n`;
      framed.last = entry.event.type === 'stream_complete' || entry.event.type === 'error';
      return framed;
    },
    ping: (nowMs) =>
      `data: ${JSON.stringify({ type: 'heartbeat', timestamp: Math.floor(nowMs / 1000) })}\n\n`,
    failure: (message) => `data: ${JSON.stringify({ type: 'stream_error', error: message })}\n\n`,
  };
}
