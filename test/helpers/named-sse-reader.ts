/** One frame of a stream of named events (`event:`, `id:`, one JSON `data:`). */
export interface NamedSseFrame {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

/**
 * Reads a stream of named SSE events one frame at a time, as an `EventSource` would; comments
 * (keep-alives) and frames without data are skipped.
 */
export function createNamedSseReader(response: Response) {
  const body = response.body;
  if (body === null) throw new Error('the response has no body');
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const parse = (text: string): NamedSseFrame | undefined => {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      if (field === 'id') id = value;
      if (field === 'data') data.push(value);
    }
    return data.length === 0
      ? undefined
      : { event, id, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
  };
  /** The next frame, or undefined once the stream ended. */
  const next = async (): Promise<NamedSseFrame | undefined> => {
    for (;;) {
      const boundary = buffered.indexOf('\n\n');
      if (boundary !== -1) {
        const frame = parse(buffered.slice(0, boundary));
        buffered = buffered.slice(boundary + 2);
        if (frame !== undefined) return frame;
        continue;
      }
      const { done, value } = await reader.read();
      if (done) return undefined;
      buffered += decoder.decode(value, { stream: true }).replaceAll('\r\n', '\n');
    }
  };
  return {
    next,
    /** Stops reading; the server sees the client go away. */
    cancel: () => reader.cancel().catch(() => undefined),
  };
}
