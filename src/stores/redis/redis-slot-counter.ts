import type { SlotCounter } from '../../core/slot-counter.js';
import type { RedisClient } from './redis-client.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { runLuaScript } from './run-lua-script.js';

/** Reads the Redis server's clock (ms), so that instances' clocks never disagree on a lease. */
const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)`;

/**
 * KEYS: the key's slots (sorted set of members by lease end). ARGV: member, limit, lease ms.
 * Drops lapsed slots, refuses a new member at the limit, takes or renews the member's slot;
 * the set itself lives as long as its longest lease.
 */
const ACQUIRE_SCRIPT = `${NOW}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
local lease_end = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], lease_end, ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], math.max(lease_end, tonumber(last[2])))
return 1`;

/** KEYS: the key's slots. Drops lapsed slots and counts the others. */
const COUNT_SCRIPT = `${NOW}
return redis.call('ZCARD', KEYS[1])`;

/** KEYS: the key's slots. Drops lapsed slots and lists the members of the others. */
const HOLDERS_SCRIPT = `${NOW}
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/** Options of `createRedisSlotCounter`. */
export interface RedisSlotCounterOptions {
  client: RedisClient;
  keys: RedisKeySpace;
  /** Names the counter: its slots are kept apart from other counters'. */
  name: string;
}

/**
 * Creates a `SlotCounter` shared by every instance on one Redis: a sorted set per key whose
 * members are the holders, scored by the end of their lease on the Redis server's clock. Each
 * call is one script on one key (Redis Cluster-safe), so the last slot goes to one caller.
 */
export function createRedisSlotCounter(options: RedisSlotCounterOptions): SlotCounter {
  const { client, keys, name } = options;
  return {
    async acquire(key, member, { limit, leaseMs }) {
      const taken = await runLuaScript(
        client,
        ACQUIRE_SCRIPT,
        1,
        keys.slots(name, key),
        member,
        String(Number.isFinite(limit) ? limit : Number.MAX_SAFE_INTEGER),
        String(Math.ceil(Number.isFinite(leaseMs) ? leaseMs : 86_400_000)),
      );
      return taken === 1;
    },
    async release(key, member) {
      await client.zrem(keys.slots(name, key), member);
    },
    async count(key) {
      return Number(await runLuaScript(client, COUNT_SCRIPT, 1, keys.slots(name, key)));
    },
    async holders(key) {
      const members: unknown = await runLuaScript(client, HOLDERS_SCRIPT, 1, keys.slots(name, key));
      return Array.isArray(members) ? members.map(String) : [];
    },
  };
}
