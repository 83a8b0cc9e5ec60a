import type { IncomingMessage } from 'node:http';
import { SseDecoder, type SseMessage } from './sse-decoder.js';

/** Pause the socket once this many decoded events wait for the reader. */
const HIGH_WATER_EVENTS = 256;

/** The error of a body cut before its end (what Node reports for it, `ECONNRESET`). */
function bodyCutError(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

/**
 * Reads an event-stream body straight from the Node response: each network read becomes the
 * batch of complete events it finished (one wake-up per read, not per event). Ends at the end
 * of the body; throws the body's error, or `ECONNRESET` when the connection closed before its
 * end. Leaving early (`return()`) destroys the response so that its connection is not reused
 * mid-body.
 */
export async function* readSseBody(body: IncomingMessage): AsyncGenerator<SseMessage[], void, undefined> {
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
  const onData = (chunk: string): void => {
    decoder.push(chunk, queue);
    if (queue.length === 0) return;
    if (queue.length >= HIGH_WATER_EVENTS) body.pause();
    notify();
  };
  const onEnd = (): void => {
    decoder.end(queue);
    ended = true;
    notify();
  };
  const onError = (error: Error): void => {
    failure ??= error;
    notify();
  };
  const onClose = (): void => {
    if (!ended) failure ??= bodyCutError();
    notify();
  };
  body.setEncoding('utf8');
  body.on('data', onData);
  body.on('end', onEnd);
  body.on('error', onError);
  body.on('close', onClose);
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
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    body.off('close', onClose);
    if (!ended) body.destroy();
  }
}
