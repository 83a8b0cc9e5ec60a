import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.js';

/** The commands already defined on each client, by the name derived from their source. */
const defined = new WeakMap<RedisClient, Set<string>>();

/**
 * Runs a Lua script as an ioredis custom command (`defineCommand`): the first call on a client
 * defines it, and every call is sent as `EVALSHA` with the source only as the fallback when the
 * server does not know the script yet (after a restart or a `SCRIPT FLUSH`), instead of
 * resending the source with every `EVAL`. Arguments are the script's `numberOfKeys` keys, then
 * its other arguments, as `EVAL` takes them. The command is named after a hash of the source,
 * so two stores sharing a client share one definition per script.
 */
export async function runLuaScript(
  client: RedisClient,
  lua: string,
  numberOfKeys: number,
  ...keysAndArgs: Array<string | number>
): Promise<unknown> {
  const name = `aagLua${createHash('sha1').update(lua).digest('hex').slice(0, 16)}`;
  let names = defined.get(client);
  if (names === undefined) {
    names = new Set();
    defined.set(client, names);
  }
  if (!names.has(name)) {
    client.defineCommand(name, { numberOfKeys, lua });
    names.add(name);
  }
  const command: unknown = Reflect.get(client, name);
  if (typeof command !== 'function') throw new Error(`Redis command ${name} was not defined`);
  const result: unknown = await Reflect.apply(command, client, keysAndArgs);
  return result;
}
