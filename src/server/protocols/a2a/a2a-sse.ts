import { formatSSEErrorEvent, formatSSEEvent } from '@a2a-js/sdk';

/** Headers of an A2A event stream. */
export const A2A_SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(': keep-alive\n\n');

/**
 * The answer of a streaming method that failed before its first event: an event stream of one
 * `error` event carrying `envelope` (a JSON-RPC error response), as the binding streams errors.
 */
export function streamedError(envelope: unknown): Response {
  return new Response(formatSSEErrorEvent(envelope), { headers: A2A_SSE_HEADERS });
}

/**
 * Streams JSON-RPC envelopes as SSE `data:` events, pulling the next envelope only when the
 * client has read the last one (a slow reader slows the generator, nothing piles up), with a
 * comment line every `heartbeatIntervalMs` while the generator waits. A generator that throws
 * ends the stream with an `error` event carrying `errorEnvelope(error)`.
 */
export function a2aEventStream(
  iterator: AsyncIterator<unknown>,
  heartbeatIntervalMs: number,
  errorEnvelope: (error: unknown) => unknown,
): ReadableStream<Uint8Array> {
  let pending: Promise<IteratorResult<unknown>> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        pending ??= iterator.next();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const beat = new Promise<'beat'>((resolve) => {
          timer = setTimeout(() => resolve('beat'), heartbeatIntervalMs);
        });
        try {
          const outcome = await Promise.race([pending, beat]);
          if (outcome === 'beat') {
            controller.enqueue(KEEP_ALIVE);
            return;
          }
          pending = undefined;
          if (outcome.done === true) controller.close();
          else controller.enqueue(encoder.encode(formatSSEEvent(outcome.value)));
        } catch (error) {
          pending = undefined;
          controller.enqueue(encoder.encode(formatSSEErrorEvent(errorEnvelope(error))));
          controller.close();
        } finally {
          clearTimeout(timer);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
