import type { BusHandler, GatewayStores, MessageBus } from '../../src/core/stores.js';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores.js';

/**
 * In-memory stores whose bus behaves as Redis pub/sub does under load: `publish` counts the
 * subscribers at that moment, while the message reaches them a little later. While deliveries
 * are held, a publish is counted now and handed over on `releaseDeliveries()`, to whoever is
 * still subscribed then (a subscriber gone meanwhile never hears it, as with Redis).
 */
export interface LatentBusStores extends GatewayStores {
  holdDeliveries(): void;
  releaseDeliveries(): void;
}

/** Creates `LatentBusStores`. */
export function createLatentBusStores(): LatentBusStores {
  const inner = createMemoryStores();
  const subscribers = new Map<string, Set<BusHandler>>();
  let holding = false;
  let held: Array<() => void> = [];

  const bus: MessageBus = {
    publish(channel, payload) {
      const listening = [...(subscribers.get(channel) ?? [])];
      const deliver = (): void => {
        for (const handler of listening) {
          if (subscribers.get(channel)?.has(handler) === true) handler(payload);
        }
      };
      if (holding) held.push(deliver);
      else deliver();
      return Promise.resolve(listening.length);
    },
    subscribe(channel, handler) {
      const set = subscribers.get(channel) ?? new Set<BusHandler>();
      set.add(handler);
      subscribers.set(channel, set);
      return Promise.resolve(() => {
        set.delete(handler);
        return Promise.resolve();
      });
    },
    close() {
      subscribers.clear();
      return Promise.resolve();
    },
  };

  return {
    sessions: inner.sessions,
    pendingAnswers: inner.pendingAnswers,
    bus,
    close: () => inner.close(),
    holdDeliveries() {
      holding = true;
    },
    releaseDeliveries() {
      holding = false;
      const waiting = held;
      held = [];
      for (const deliver of waiting) deliver();
    },
  };
}
