import { A2A_SSE_HEADERS, a2aEventStream, streamedError } from './a2a-sse.js';

/**
 * The event stream of a streaming method the SDK's transport answered. An error before the
 * first event (unknown task, a refused start) is streamed too: a client of a streaming method
 * reads its answer as an event stream (a 0.3 client reads nothing else), and the binding
 * streams errors as an `error` event.
 */
export async function streamTransportResult(
  result: AsyncIterable<unknown>,
  id: unknown,
  toError: (error: unknown) => unknown,
  heartbeatIntervalMs: number,
): Promise<Response> {
  const iterator = result[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    first = await iterator.next();
  } catch (error) {
    return streamedError({ jsonrpc: '2.0', id: id ?? null, error: toError(error) });
  }
  const replay: AsyncIterator<unknown> = {
    next: () => {
      if (first.done !== true) {
        const value = first;
        first = { done: true, value: undefined };
        return Promise.resolve(value);
      }
      return iterator.next();
    },
    return: async () => (await iterator.return?.()) ?? { done: true, value: undefined },
  };
  const stream = a2aEventStream(replay, heartbeatIntervalMs, (error) => ({
    jsonrpc: '2.0',
    id: id ?? null,
    error: toError(error),
  }));
  return new Response(stream, { headers: A2A_SSE_HEADERS });
}
