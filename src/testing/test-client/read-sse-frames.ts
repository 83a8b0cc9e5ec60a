import type { GatewayEvent } from '../../core/events.js';

/** One event read from a gateway's SSE stream. */
export interface SseFrame {
  /**
   * The frame's `id:` as sent (`<runId>:<seq>`), the value to send back as `Last-Event-ID`;
   * undefined for frames without one (heartbeats).
   */
  id: string | undefined;
  event: GatewayEvent;
}

const isEventShaped = (value: unknown): value is GatewayEvent =>
  typeof value === 'object' && value !== null && typeof Reflect.get(value, 'type') === 'string';

/**
 * Parses the text of one frame (the lines between two blank lines). Comment lines, `retry:`
 * and unknown fields are ignored and several `data:` lines are joined with `\n`, as the SSE
 * specification says; a frame without data (a lone `retry:`) gives undefined. Data that is
 * not a JSON object with a string `type` throws: the gateway never sends it.
 */
export function parseSseFrame(text: string): SseFrame | undefined {
  let id: string | undefined;
  const dataLines: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'data') dataLines.push(value);
  }
  if (dataLines.length === 0) return undefined;
  const data = dataLines.join('\n');
  const parsed: unknown = JSON.parse(data);
  if (!isEventShaped(parsed)) throw new Error(`SSE data is not a gateway event: ${data.slice(0, 200)}`);
  return { id, event: parsed };
}

/**
 * Reads the frames of an SSE body in order until the server ends it. Chunk boundaries may fall
 * anywhere (inside a line, inside a UTF-8 sequence); CRLF and CR line ends are accepted; text
 * after the last blank line is discarded when the body ends, as the specification says. When
 * `signal` aborts, the body is cancelled and the pending read rejects with the signal's reason.
 * Leaving the loop early cancels the body too.
 */
export async function* readSseFrames(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseFrame, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const onAbort = (): void => {
    reader.cancel(signal?.reason).catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      signal?.throwIfAborted();
      let boundary = buffered.indexOf('\n\n');
      while (boundary !== -1) {
        const frame = parseSseFrame(buffered.slice(0, boundary));
        buffered = buffered.slice(boundary + 2);
        if (frame !== undefined) yield frame;
        boundary = buffered.indexOf('\n\n');
      }
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      // An unterminated last frame is dropped, as an EventSource drops it.
      if (done) return;
      buffered = normalizeLineEnds(buffered + decoder.decode(value, { stream: true }));
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * CRLF and lone CR become LF. A CR at the very end is kept: its LF may arrive with the next
 * chunk.
 */
function normalizeLineEnds(text: string): string {
  const trailingCr = text.endsWith('\r');
  const body = (trailingCr ? text.slice(0, -1) : text).replace(/\r\n?/g, '\n');
  return trailingCr ? `${body}\r` : body;
}
