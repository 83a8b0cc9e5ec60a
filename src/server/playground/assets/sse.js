// @ts-check
/**
 * The reference client of the gateway's SSE protocol (docs/protocol.md): `fetch` with the
 * session token (an EventSource cannot send `Authorization`), a streaming parser of `id:` and
 * `data:` lines, and a resume from the last event id after a dropped connection.
 */

/** @typedef {{ id: string | undefined, data: Record<string, unknown> }} SseEvent */

/**
 * Reads an SSE response body and calls `onEvent` for every `data:` frame, in order.
 * @param {Response} response
 * @param {(event: SseEvent) => void} onEvent
 * @returns {Promise<void>} resolves when the body ends; rejects when the connection breaks
 */
export async function readSse(response, onEvent) {
  if (response.body === null) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      const frame = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      /** @type {string | undefined} */
      let id;
      const data = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0)
        onEvent({ id, data: /** @type {Record<string, unknown>} */ (JSON.parse(data.join('\n'))) });
      boundary = buffer.indexOf('\n\n');
    }
  }
}

/**
 * Splits an event id `<run id>:<seq>` into its parts.
 * @param {string | undefined} id
 * @returns {{ runId: string, seq: number } | undefined}
 */
export function parseEventId(id) {
  if (id === undefined) return undefined;
  const at = id.lastIndexOf(':');
  const seq = Number(id.slice(at + 1));
  return at === -1 || !Number.isInteger(seq) ? undefined : { runId: id.slice(0, at), seq };
}
