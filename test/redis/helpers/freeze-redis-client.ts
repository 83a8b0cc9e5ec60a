import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../../../src/stores/redis/redis-client.js';

/**
 * Freezes a Redis client as a network partition would: commands issued meanwhile stay on the
 * wire, in order, and reach Redis when `thaw()` is called.
 */
export function freezeRedisClient(client: RedisClient): { thaw: () => void } {
  const held: Array<() => void> = [];
  if (client instanceof Cluster) {
    const original = client.sendCommand.bind(client);
    client.sendCommand = (...args: Parameters<Cluster['sendCommand']>) => {
      held.push(() => void original(...args));
      return args[0].promise;
    };
    return {
      thaw() {
        client.sendCommand = original;
        for (const send of held.splice(0)) send();
      },
    };
  }
  const server: Redis = client;
  const original = server.sendCommand.bind(server);
  server.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    held.push(() => void original(...args));
    return args[0].promise;
  }) as Redis['sendCommand'];
  return {
    thaw() {
      server.sendCommand = original;
      for (const send of held.splice(0)) send();
    },
  };
}
