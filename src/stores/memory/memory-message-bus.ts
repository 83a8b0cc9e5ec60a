import type { MessageBus, Unsubscribe } from '../../core/stores.js';
import { reportBusHandlerError, type BusSubscription } from '../bus-subscription.js';
import { ChurnMap } from '../../core/churn-map.js';

/** Options of `createMemoryMessageBus`. */
export interface MemoryMessageBusOptions {
  /**
   * Told when a handler throws. A throwing handler never stops delivery to the others; the
   * default reports the error on stderr so that it is not lost.
   */
  onHandlerError?: (error: unknown, channel: string) => void;
}

/**
 * Creates the in-process `MessageBus`. It behaves like a networked bus on purpose: delivery
 * happens after the publisher's current synchronous work (never re-entrantly), each subscriber
 * gets its own structured clone of the payload, and only subscriptions active at publish time
 * receive it. `publish` resolves, with the number of subscriptions that received the payload,
 * once every handler has run. After `close()` the bus is inert: publishing reaches nobody
 * (resolves 0) and new subscriptions never receive anything.
 */
export function createMemoryMessageBus(options: MemoryMessageBusOptions = {}): MessageBus {
  const onHandlerError = options.onHandlerError ?? reportBusHandlerError;
  const channels = new ChurnMap<string, Set<BusSubscription>>();
  let closed = false;

  function remove(channel: string, subscription: BusSubscription): void {
    subscription.active = false;
    const subscriptions = channels.get(channel);
    if (subscriptions === undefined) return;
    subscriptions.delete(subscription);
    if (subscriptions.size === 0) channels.delete(channel);
  }

  return {
    async publish(channel, payload) {
      const recipients = [...(channels.get(channel) ?? [])];
      // Yield once so that handlers never run inside the publisher's call stack.
      await Promise.resolve();
      let received = 0;
      for (const subscription of recipients) {
        if (!subscription.active) continue;
        received += 1;
        try {
          subscription.handler(structuredClone(payload));
        } catch (error) {
          onHandlerError(error, channel);
        }
      }
      return received;
    },

    subscribe(channel, handler) {
      const subscription: BusSubscription = { handler, active: !closed };
      if (subscription.active) {
        const subscriptions = channels.get(channel) ?? new Set<BusSubscription>();
        subscriptions.add(subscription);
        channels.set(channel, subscriptions);
      }
      const unsubscribe: Unsubscribe = () => {
        remove(channel, subscription);
        return Promise.resolve();
      };
      return Promise.resolve(unsubscribe);
    },

    close() {
      closed = true;
      for (const subscriptions of channels.values()) {
        for (const subscription of subscriptions) subscription.active = false;
      }
      channels.clear();
      return Promise.resolve();
    },
  };
}
