import type { ResponseBody } from './response-body.js';
import { SseDecoder, type SseMessage } from './sse-decoder.js';

/** Pause the socket once this many decoded events wait for the reader. */
const HIGH_WATER_EVENTS = 256;

/**
 * Reads an event-stream body straight from the response: each network read becomes the batch
 * of complete events it finished (one wake-up per read, not per event). Ends at the end of the
 * body; throws the body's error (`ECONNRESET` when the connection closed before its end).
 * Leaving early (`return()`) destroys the body so that its connection is not reused mid-body.
 */
export async function* readSseBody(body: ResponseBody): AsyncGenerator<SseMessage[], void, undefined> {
  const decoder = new SseDecoder();
  let queue: SseMessage[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  body.read({
    data: (chunk) => {
      decoder.push(chunk, queue);
      if (queue.length === 0) return;
      if (queue.length >= HIGH_WATER_EVENTS) body.pause();
      notify();
    },
    end: () => {
      decoder.end(queue);
      ended = true;
      notify();
    },
    error: (error) => {
      failure ??= error;
      notify();
    },
  });
  try {
    for (;;) {
      if (queue.length > 0) {
        const batch = queue;
        queue = [];
        if (body.isPaused()) body.resume();
        yield batch;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    body.destroy();
  }
}
