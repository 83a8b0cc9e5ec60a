import type { Redis } from 'ioredis';
import { runLuaScript } from './run-lua-script.js';
import type { SessionRecord, SessionStore } from '../../core/stores.js';
import type { RedisKeySpace } from './redis-key-space.js';

/**
 * How long a session's keys outlive its `expiresAt` in Redis. The expiry hook needs the record,
 * so Redis must not drop it before some instance's sweep took it; the key expiry is only the
 * safety net for a deployment where no instance sweeps any more.
 */
const KEY_EXPIRY_MARGIN_SECONDS = 86_400;

/** Stores a session and indexes its expiry, atomically. */
const CREATE_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[4])
return 1`;

/** Adds an approved key once, only while the session exists; the list expires with it. */
const ADD_APPROVED_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
local ttl = redis.call('PEXPIRETIME', KEYS[1])
if ttl > 0 then redis.call('PEXPIREAT', KEYS[2], ttl) end
return 1`;

/** Takes the run lock only while the session exists; it expires with the session. */
const ACQUIRE_LOCK_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX') then return 0 end
local ttl = redis.call('PEXPIRETIME', KEYS[1])
if ttl > 0 then redis.call('PEXPIREAT', KEYS[2], ttl) end
return 1`;

/**
 * Removes up to ARGV[3] sessions due by ARGV[1]; returns [count examined, record, approved, …]. One script, so
 * that each expired session is taken by exactly one instance and its hook runs once.
 */
const TAKE_EXPIRED_SCRIPT = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local taken = { tostring(#ids) }
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local base = ARGV[2] .. id
  local record = redis.call('GET', base)
  if record then
    local approved = redis.call('LRANGE', base .. ':approved', 0, -1)
    table.insert(taken, record)
    table.insert(taken, cjson.encode(approved))
  end
  redis.call('DEL', base, base .. ':approved', base .. ':run-lock')
end
return taken`;

/** Most sessions one sweep call takes; the sweep calls again until none is left. */
const SWEEP_BATCH = 500;

interface StoredSession {
  sessionId: string;
  apiKeyHash: string;
  createdAt: number;
  expiresAt: number;
}

const parseStored = (text: string, approved: string[]): SessionRecord => {
  const stored = JSON.parse(text) as StoredSession;
  return {
    sessionId: stored.sessionId,
    apiKeyHash: stored.apiKeyHash,
    createdAt: stored.createdAt,
    expiresAt: stored.expiresAt,
    approvedToolTypes: approved,
  };
};

/** `cjson` encodes an empty Lua table as `{}`: both shapes mean "no keys". */
const parseApprovedList = (text: string): string[] => {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
};

/** Options of `createRedisSessionStore`. */
export interface RedisSessionStoreOptions {
  client: Redis;
  keys: RedisKeySpace;
}

/**
 * Creates the Redis `SessionStore`. A session is a JSON string key expiring a day after
 * `expiresAt`, plus a sorted set of expiries that `takeExpired` drains in one Lua script (so
 * any instance may sweep and each expired session is handed to exactly one of them). The run
 * lock is `SET NX` and expires with the session, so a crashed instance cannot hold it forever.
 * The client is borrowed: `close()` does not quit it.
 */
export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  const { client, keys } = options;
  const sessionPrefix = keys.session('');

  return {
    async create(record) {
      const stored: StoredSession = {
        sessionId: record.sessionId,
        apiKeyHash: record.apiKeyHash,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
      };
      const id = record.sessionId;
      // Relative to now: a record created already expired must still be there for the sweep.
      const keyExpiry =
        Math.ceil(Math.max(0, record.expiresAt - Date.now() / 1000)) + KEY_EXPIRY_MARGIN_SECONDS;
      await runLuaScript(
        client,
        CREATE_SCRIPT,
        4,
        keys.session(id),
        keys.approvedToolTypes(id),
        keys.runLock(id),
        keys.sessionExpiries(),
        JSON.stringify(stored),
        String(record.expiresAt),
        String(keyExpiry),
        id,
      );
      if (record.approvedToolTypes.length > 0) {
        for (const key of record.approvedToolTypes) await this.addApprovedToolType(id, key);
      }
    },

    async get(sessionId) {
      const [recordResult, approvedResult] =
        (await client
          .multi()
          .get(keys.session(sessionId))
          .lrange(keys.approvedToolTypes(sessionId), 0, -1)
          .exec()) ?? [];
      const text = recordResult?.[1];
      if (typeof text !== 'string') return undefined;
      const approved = Array.isArray(approvedResult?.[1]) ? (approvedResult[1] as string[]) : [];
      return parseStored(text, approved);
    },

    async delete(sessionId) {
      const results = await client
        .multi()
        .del(keys.session(sessionId))
        .del(keys.approvedToolTypes(sessionId), keys.runLock(sessionId))
        .zrem(keys.sessionExpiries(), sessionId)
        .exec();
      return results?.[0]?.[1] === 1;
    },

    async addApprovedToolType(sessionId, key) {
      await runLuaScript(
        client,
        ADD_APPROVED_SCRIPT,
        2,
        keys.session(sessionId),
        keys.approvedToolTypes(sessionId),
        key,
      );
    },

    async acquireRunLock(sessionId) {
      const acquired = await runLuaScript(
        client,
        ACQUIRE_LOCK_SCRIPT,
        2,
        keys.session(sessionId),
        keys.runLock(sessionId),
        String(Date.now()),
      );
      return acquired === 1;
    },

    async releaseRunLock(sessionId) {
      await client.del(keys.runLock(sessionId));
    },

    async takeExpired(nowSeconds) {
      const expired: SessionRecord[] = [];
      for (;;) {
        const taken = (await runLuaScript(
          client,
          TAKE_EXPIRED_SCRIPT,
          1,
          keys.sessionExpiries(),
          String(nowSeconds),
          sessionPrefix,
          String(SWEEP_BATCH),
        )) as string[];
        for (let index = 1; index + 1 < taken.length; index += 2) {
          const text = taken[index];
          const approved = taken[index + 1];
          if (text !== undefined && approved !== undefined)
            expired.push(parseStored(text, parseApprovedList(approved)));
        }
        if (Number(taken[0]) < SWEEP_BATCH) break;
      }
      return expired;
    },

    close() {
      return Promise.resolve();
    },
  };
}
