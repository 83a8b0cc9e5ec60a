import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.js';

/** Command names by script source (hashed once per script, not once per call). */
const names = new Map<string, string>();

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
  let name = names.get(lua);
  if (name === undefined) {
    name = `aagLua${createHash('sha1').update(lua).digest('hex').slice(0, 16)}`;
    names.set(lua, name);
  }
  let known = defined.get(client);
  if (known === undefined) {
    known = new Set();
    defined.set(client, known);
  }
  if (!known.has(name)) {
    client.defineCommand(name, { numberOfKeys, lua });
    known.add(name);
  }
  const command: unknown = Reflect.get(client, name);
  if (typeof command !== 'function') throw new Error(`Redis command ${name} was not defined`);
  const result: unknown = await Reflect.apply(command, client, keysAndArgs);
  return result;
}
