/** One server-sent event as written by the mock upstream. */
export interface SseFrame {
  /** The `event:` field (Anthropic names every event; OpenAI sends none). */
  event?: string;
  /** The `data:` payload, already serialised. */
  data: string;
}

/** Serialises a frame in the text/event-stream format. */
export function formatSseFrame(frame: SseFrame): string {
  const eventLine = frame.event === undefined ? '' : `event: ${frame.event}\n`;
  return `${eventLine}data: ${frame.data}\n\n`;
}
