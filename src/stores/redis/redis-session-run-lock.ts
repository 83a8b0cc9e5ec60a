import type { SessionStore } from '../../core/stores.js';
import type { RedisClient } from './redis-client.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { runLuaScript } from './run-lua-script.js';

/**
 * KEYS: session, run lock. ARGV: holder. Takes the run lock only while the session exists, as
 * `<Redis time in ms>|<holder>`; it expires with the session.
 */
const ACQUIRE_LOCK_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if not redis.call('SET', KEYS[2], now .. '|' .. ARGV[1], 'NX') then return 0 end
local ttl = redis.call('PEXPIRETIME', KEYS[1])
if ttl > 0 then redis.call('PEXPIREAT', KEYS[2], ttl) end
return 1`;

/**
 * KEYS: run lock. ARGV: the lock as read, least age in ms. Deletes the lock only while it is
 * unchanged and was taken at least that long ago (Redis's clock on both ends).
 */
const BREAK_LOCK_SCRIPT = `
local value = redis.call('GET', KEYS[1])
if value ~= ARGV[1] then return 0 end
local taken = tonumber(string.match(value, '^(%d+)|'))
if taken == nil then return 0 end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if now - taken < tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/** The methods of `SessionStore` over a session's run lock. */
export type RedisRunLock = Pick<
  SessionStore,
  'acquireRunLock' | 'runLockHolder' | 'breakRunLock' | 'releaseRunLock'
>;

/**
 * The run lock of a session in Redis: `SET NX` of `<Redis time in ms>|<holder>`, taken only while
 * the session exists and expiring with it, so a crashed instance cannot hold it forever.
 */
export function createRedisRunLock(client: RedisClient, keys: RedisKeySpace): RedisRunLock {
  return {
    async acquireRunLock(sessionId, holder = '') {
      const acquired = await runLuaScript(
        client,
        ACQUIRE_LOCK_SCRIPT,
        2,
        keys.session(sessionId),
        keys.runLock(sessionId),
        holder,
      );
      return acquired === 1;
    },

    async runLockHolder(sessionId) {
      const value = await client.get(keys.runLock(sessionId));
      const holder = value?.match(/^\d+\|(.+)$/s)?.[1];
      return value === null || holder === undefined ? undefined : { holder, value };
    },

    async breakRunLock(sessionId, lock, minAgeMs) {
      const broken = await runLuaScript(
        client,
        BREAK_LOCK_SCRIPT,
        1,
        keys.runLock(sessionId),
        lock.value,
        String(Math.max(0, Math.ceil(minAgeMs))),
      );
      return broken === 1;
    },

    async releaseRunLock(sessionId) {
      await client.del(keys.runLock(sessionId));
    },
  };
}
