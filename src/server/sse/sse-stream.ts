import { CLIENT_TOO_SLOW } from './sse-session-contract.js';
import { startSseSession } from './sse-session.js';
import { serverDefaults } from '../contracts/server-spec.js';
import type { SseStreamOptions } from './sse-session-contract.js';

export { formatSseEntry, nativeSseFraming, type SseFraming } from './sse-framing.js';
export {
  CLIENT_DISCONNECTED,
  CLIENT_TOO_SLOW,
  isClientGone,
  type SseStreamOptions,
} from './sse-session-contract.js';

/** Response headers of every event stream (the set SSE clients of this protocol expect). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

const encoder = new TextEncoder();

/**
 * Builds the body of an event stream as a web `ReadableStream` (for apps served by something
 * else than `listen()`; `sseResponse` writes to the Node response directly when it can). The
 * stream closes itself right after the terminal event. If an event cannot be serialised, one
 * `stream_error` event is sent and the stream ends. When the stream ends without having sent
 * the terminal event (that failure, or the client disconnecting first), `onAbandoned` runs.
 * Timers and subscriptions are always released. Frames written in the same event-loop turn are
 * sent as one chunk. A client that falls `maxBufferedBytes` behind is dropped (the stream's
 * queue counts the bytes the transport has not taken yet).
 */
export function createSseStream(options: SseStreamOptions): ReadableStream<Uint8Array> {
  const maxBufferedBytes = options.maxBufferedBytes ?? serverDefaults.maxBufferedBytesPerStream;
  let stop: (() => void) | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let ended = false;
        const end = (): void => {
          if (ended) return;
          ended = true;
          try {
            controller.close();
          } catch {
            // Already closed, errored or cancelled by the client: nothing left to release.
          }
        };
        const session = startSseSession(options, {
          write(chunk, last) {
            const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
            if (bytes.byteLength > 0) controller.enqueue(bytes);
            if (last) end();
            return bytes.byteLength;
          },
          // The queue's byte count, as the queuing strategy measures it.
          unsentBytes: () => maxBufferedBytes - (controller.desiredSize ?? maxBufferedBytes),
          end,
          drop() {
            // Closing the socket discards its buffer and cancels this stream quietly; a
            // stream error would do the same but makes the Node adapter log it.
            if (options.dropConnection?.() !== true) {
              ended = true;
              controller.error(new Error(CLIENT_TOO_SLOW));
            }
          },
        });
        stop = () => session.stop();
      },
      cancel() {
        stop?.();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: maxBufferedBytes }),
  );
}
