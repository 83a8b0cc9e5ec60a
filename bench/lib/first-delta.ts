import { performance } from 'node:perf_hooks';

/**
 * Reads a chat's SSE stream to its end; resolves the milliseconds from `started` (a
 * `performance.now()` taken before the request) to its first `text_delta` (NaN when none came).
 * A stream that ends without `stream_complete` is an error of the gateway `name`.
 */
export async function readFirstDelta(response: Response, started: number, name: string): Promise<number> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let first: number | undefined;
  for (;;) {
    const chunk = await reader?.read();
    if (chunk === undefined || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
    if (first === undefined && text.includes('"text_delta"')) first = performance.now() - started;
  }
  if (!text.includes('"stream_complete"')) throw new Error(`${name}: a chat did not complete`);
  return first ?? Number.NaN;
}
