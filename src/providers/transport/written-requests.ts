import { subscribe } from 'node:diagnostics_channel';

/** How many requests undici wrote on each connection it opened. */
const requestsWritten = new WeakMap<object, number>();

/** The request whose head undici is about to write (set in its `onConnect`). */
let waiting: ((reused: boolean) => void) | undefined;
let subscribed = false;

const onSendHeaders = (message: unknown): void => {
  const socket = (message as { readonly socket?: object }).socket;
  if (socket === undefined) return;
  const before = requestsWritten.get(socket) ?? 0;
  requestsWritten.set(socket, before + 1);
  const tell = waiting;
  waiting = undefined;
  tell?.(before > 0);
};

/**
 * Tells `tell` whether undici writes the request it just connected (its handler's `onConnect`)
 * on a connection that already carried a request: undici calls `onConnect` and publishes
 * `undici:client:sendHeaders` (with the connection) in one synchronous step, so the next
 * publication is this request's. Subscribes once, on first use.
 */
export function whenWritten(tell: (reused: boolean) => void): void {
  if (!subscribed) {
    subscribed = true;
    subscribe('undici:client:sendHeaders', onSendHeaders);
  }
  waiting = tell;
}

/** Forgets a request whose head will not be written (it failed or was aborted first). */
export function forgetWrite(tell: (reused: boolean) => void): void {
  if (waiting === tell) waiting = undefined;
}
