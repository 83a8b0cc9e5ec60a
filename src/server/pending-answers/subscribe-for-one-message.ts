import type { MessageBus } from '../../core/stores.js';

/** Options of `subscribeForOneMessage`. */
export interface SubscribeForOneMessageOptions<Message> {
  bus: MessageBus;
  channel: string;
  /** Narrows a payload; payloads it rejects (undefined) are ignored. */
  parse: (payload: unknown) => Message | undefined;
}

/** A live subscription waiting for the first valid message of one channel. */
export interface OneMessageSubscription<Message> {
  /**
   * Resolves with the first valid message (also one that arrived before the call), or null
   * when `timeoutMs` passes or `signal` aborts first. Leaves no timer or listener behind.
   */
  wait(options: { timeoutMs: number; signal: AbortSignal }): Promise<Message | null>;
  /** Ends the subscription. Idempotent. */
  close(): Promise<void>;
}

/**
 * Subscribes before anything is announced, so that an answer published the moment the
 * question becomes visible can never be missed; only then should the caller announce and
 * `wait`.
 */
export async function subscribeForOneMessage<Message>(
  options: SubscribeForOneMessageOptions<Message>,
): Promise<OneMessageSubscription<Message>> {
  const { bus, channel, parse } = options;
  let received: { message: Message } | undefined;
  let onReceived: (() => void) | undefined;
  const unsubscribe = await bus.subscribe(channel, (payload) => {
    if (received !== undefined) return;
    const message = parse(payload);
    if (message === undefined) return;
    received = { message };
    onReceived?.();
  });

  return {
    wait({ timeoutMs, signal }) {
      if (received !== undefined) return Promise.resolve(received.message);
      if (signal.aborted) return Promise.resolve(null);
      return new Promise<Message | null>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', finish);
          onReceived = undefined;
          resolve(received === undefined ? null : received.message);
        };
        const timer = setTimeout(finish, timeoutMs);
        signal.addEventListener('abort', finish, { once: true });
        onReceived = finish;
      });
    },
    close: unsubscribe,
  };
}
