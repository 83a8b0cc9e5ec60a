import type { RedisClient } from './redis-client.js';
import type { MessageBus, Unsubscribe } from '../../core/stores.js';
import { reportBusHandlerError, type BusSubscription } from '../bus-subscription.js';
import type { RedisKeySpace } from './redis-key-space.js';

/** Options of `createRedisMessageBus`. */
export interface RedisMessageBusOptions {
  /** Connection used to publish (shared with the other stores). */
  publisher: RedisClient;
  /**
   * Dedicated connection for SUBSCRIBE: a subscribed Redis connection can run no other
   * command. The bus owns it and quits it on `close()`. ioredis re-subscribes after a reconnect.
   */
  subscriber: RedisClient;
  /**
   * Sharded pub/sub (`SSUBSCRIBE` / `SPUBLISH`, Redis 7), for a Cluster: each channel lives on
   * the node of its slot, so the receiver count `SPUBLISH` answers covers every subscriber. The
   * subscriber must then be a Cluster client made with `shardedSubscribers: true`.
   */
  sharded?: boolean;
  keys: RedisKeySpace;
  /** Told when a handler throws or a payload is not JSON; standard error unless given. */
  onHandlerError?: (error: unknown, channel: string) => void;
}

/**
 * Creates the Redis `MessageBus` on pub/sub: payloads travel as JSON, so every subscriber gets
 * its own copy. One Redis subscription per channel is shared by all local handlers of it;
 * `subscribe` resolves once Redis confirmed the subscription, so a later publish reaches it.
 * Like Redis pub/sub itself, delivery is at most once: a message published while the
 * subscriber's connection is down reaches nobody. `publish` resolves with Redis' count of
 * receiving connections (0: nobody heard it), so senders that need delivery publish again.
 */
export function createRedisMessageBus(options: RedisMessageBusOptions): MessageBus {
  const { publisher, subscriber, keys } = options;
  const sharded = options.sharded === true;
  const onHandlerError = options.onHandlerError ?? reportBusHandlerError;
  const channels = new Map<string, Set<BusSubscription>>();
  /** Redis SUBSCRIBE confirmations per channel, so a second local subscriber also waits. */
  const confirmations = new Map<string, Promise<unknown>>();
  const prefixLength = keys.channel('').length;
  let closed = false;
  let closing: Promise<void> | undefined;

  subscriber.on(sharded ? 'smessage' : 'message', (redisChannel: string, text: string) => {
    const channel = redisChannel.slice(prefixLength);
    const subscriptions = channels.get(channel);
    if (subscriptions === undefined) return;
    for (const subscription of [...subscriptions]) {
      if (!subscription.active) continue;
      try {
        subscription.handler(JSON.parse(text) as unknown);
      } catch (error) {
        onHandlerError(error, channel);
      }
    }
  });

  const remove = async (channel: string, subscription: BusSubscription): Promise<void> => {
    if (!subscription.active) return;
    subscription.active = false;
    const subscriptions = channels.get(channel);
    if (subscriptions === undefined) return;
    subscriptions.delete(subscription);
    if (subscriptions.size > 0) return;
    channels.delete(channel);
    confirmations.delete(channel);
    if (closed) return;
    const redisChannel = keys.channel(channel);
    await (sharded ? subscriber.sunsubscribe(redisChannel) : subscriber.unsubscribe(redisChannel)).catch(
      () => undefined,
    );
  };

  return {
    async publish(channel, payload) {
      if (closed) return 0;
      // (S)PUBLISH answers how many subscribed connections received the message.
      const redisChannel = keys.channel(channel);
      const text = JSON.stringify(payload);
      if (!sharded) return publisher.publish(redisChannel, text);
      const receivers = await publisher.spublish(redisChannel, text);
      return typeof receivers === 'number' ? receivers : undefined;
    },

    async subscribe(channel, handler) {
      const subscription: BusSubscription = { handler, active: !closed };
      const unsubscribe: Unsubscribe = () => remove(channel, subscription);
      if (closed) return unsubscribe;
      const existing = channels.get(channel);
      if (existing === undefined) {
        channels.set(channel, new Set([subscription]));
        const redisChannel = keys.channel(channel);
        confirmations.set(
          channel,
          sharded ? subscriber.ssubscribe(redisChannel) : subscriber.subscribe(redisChannel),
        );
      } else {
        existing.add(subscription);
      }
      try {
        await confirmations.get(channel);
      } catch (error) {
        await remove(channel, subscription);
        throw error;
      }
      return unsubscribe;
    },

    close() {
      closing ??= (async () => {
        closed = true;
        for (const subscriptions of channels.values()) {
          for (const subscription of subscriptions) subscription.active = false;
        }
        channels.clear();
        subscriber.removeAllListeners(sharded ? 'smessage' : 'message');
        if (subscriber.status === 'ready') await subscriber.quit().catch(() => subscriber.disconnect());
        else subscriber.disconnect();
      })();
      return closing;
    },
  };
}
