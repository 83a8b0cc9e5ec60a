import type { IncomingMessage } from 'node:http';

/**
 * Reads the whole body of a Node request that nothing has read yet, as the bytes that arrived
 * (one chunk as it is, several joined). Rejects when the request ends early (the client closed
 * it), fails, or `signal` aborts (with the signal's reason).
 *
 * Why: the web `Request` of `@hono/node-server` reads the same socket but hands the body over
 * as a fresh `ArrayBuffer` copy, behind two more promises; for every chat's small JSON body
 * that was a measurable cost. The caller bounds the size (HTTP/1.1 ends the body at its
 * declared `Content-Length`).
 */
export function readNodeBody(incoming: IncomingMessage, signal?: AbortSignal): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(reasonOf(signal));
      return;
    }
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer | string): void => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    };
    const settle = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onEnd = (): void => {
      settle();
      resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    const onClose = (): void => {
      if (incoming.readableEnded) return;
      settle();
      reject(
        signal?.aborted === true ? reasonOf(signal) : new Error('Client connection prematurely closed.'),
      );
    };
    const onAbort = (): void => {
      settle();
      reject(signal === undefined ? new Error('aborted') : reasonOf(signal));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The whole body of a Node request that nothing has read yet, when all of it has already arrived
 * and waits in the request's buffer (a small body sent with its head, as a chat's usually is):
 * taken at once, without listening for its chunks. Undefined when some of it is still to come
 * (then `readNodeBody` reads it) or when it is empty.
 */
export function takeArrivedNodeBody(incoming: IncomingMessage): Buffer | undefined {
  if (!incoming.complete || incoming.readableLength === 0 || incoming.readableFlowing === true)
    return undefined;
  const whole: unknown = incoming.read();
  if (typeof whole === 'string') return Buffer.from(whole);
  return Buffer.isBuffer(whole) ? whole : undefined;
}

/** Whether `incoming`'s body is still unread: nothing consumed it, it has not ended. */
export const isUnreadNodeBody = (incoming: IncomingMessage): boolean =>
  !incoming.readableDidRead && !incoming.readableEnded && !incoming.destroyed;

const reasonOf = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error('aborted');
