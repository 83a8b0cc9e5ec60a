import type { Redis } from 'ioredis';

/**
 * Freezes a Redis client as a network partition would: commands issued meanwhile stay on the
 * wire, in order, and reach Redis when `thaw()` is called.
 */
export function freezeRedisClient(client: Redis): { thaw: () => void } {
  const original = client.sendCommand.bind(client);
  const held: Array<() => void> = [];
  client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    const [command] = args;
    held.push(() => void original(...args));
    return command.promise;
  }) as Redis['sendCommand'];
  return {
    thaw() {
      client.sendCommand = original;
      for (const send of held.splice(0)) send();
    },
  };
}
