import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type { SessionRecord, SessionStore } from '../../core/stores.js';
import type { SessionPrincipal } from '../../core/principal.js';
import type { RedisKeySpace } from './redis-key-space.js';

/**
 * How long a session's keys outlive its `expiresAt` in Redis. The expiry hook needs the record,
 * so Redis must not drop it before some instance's sweep took it; the key expiry is only the
 * safety net for a deployment where no instance sweeps any more.
 */
const KEY_EXPIRY_MARGIN_SECONDS = 86_400;

/**
 * KEYS: session, approved list, run lock (one hash slot). Stores a session (its expiry is
 * indexed by a separate command: the index is in another slot).
 */
const CREATE_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[2], KEYS[3])
return 1`;

/**
 * KEYS: session expiries. ARGV: session id, expiresAt, most sessions. Indexes a new session
 * unless the index holds that many already (1), else 0: the count and the add are one step, so
 * instances racing for the last place get it once.
 */
const INDEX_WITHIN_SCRIPT = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`;

/** Adds an approved key once, only while the session exists; the list expires with it. */
const ADD_APPROVED_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
local ttl = redis.call('PEXPIRETIME', KEYS[1])
if ttl > 0 then redis.call('PEXPIREAT', KEYS[2], ttl) end
return 1`;

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

/**
 * KEYS: session expiries. Removes up to ARGV[2] session ids due by ARGV[1] from the index and
 * returns them. One script, so that each expired session is taken by exactly one instance and
 * its hook runs once.
 */
const TAKE_EXPIRED_SCRIPT = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do redis.call('ZREM', KEYS[1], id) end
return ids`;

/**
 * KEYS: session, approved list, run lock (one hash slot). Deletes a session taken from the
 * index; returns {record or '', approved keys JSON}.
 */
const TAKE_SESSION_SCRIPT = `
local record = redis.call('GET', KEYS[1]) or ''
local approved = cjson.encode(redis.call('LRANGE', KEYS[2], 0, -1))
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return {record, approved}`;

/** Most sessions one sweep call takes; the sweep calls again until none is left. */
const SWEEP_BATCH = 500;

interface StoredSession {
  sessionId: string;
  apiKeyHash: string;
  user?: string;
  principal?: SessionPrincipal;
  createdAt: number;
  expiresAt: number;
}

const parseStored = (text: string, approved: string[]): SessionRecord => {
  const stored = JSON.parse(text) as StoredSession;
  return {
    sessionId: stored.sessionId,
    apiKeyHash: stored.apiKeyHash,
    ...(typeof stored.user === 'string' ? { user: stored.user } : {}),
    ...(stored.principal === undefined ? {} : { principal: stored.principal }),
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
  client: RedisClient;
  keys: RedisKeySpace;
}

/**
 * Creates the Redis `SessionStore`. A session is a JSON string key expiring a day after
 * `expiresAt`, plus a sorted set of expiries that `takeExpired` drains with a Lua script (so
 * any instance may sweep and each expired session is handed to exactly one of them), then
 * deletes each taken session with a script on that session's keys. The run
 * lock is `SET NX` and expires with the session, so a crashed instance cannot hold it forever.
 * The client is borrowed: `close()` does not quit it.
 */
export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  const { client, keys } = options;

  /** Writes the session's own keys (not its index entry). */
  const writeRecord = async (record: SessionRecord): Promise<void> => {
    const stored: StoredSession = {
      sessionId: record.sessionId,
      apiKeyHash: record.apiKeyHash,
      ...(record.user === undefined ? {} : { user: record.user }),
      ...(record.principal === undefined ? {} : { principal: record.principal }),
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
      3,
      keys.session(id),
      keys.approvedToolTypes(id),
      keys.runLock(id),
      JSON.stringify(stored),
      String(keyExpiry),
    );
    for (const key of record.approvedToolTypes) await addApprovedToolType(id, key);
  };

  const addApprovedToolType = async (sessionId: string, key: string): Promise<void> => {
    await runLuaScript(
      client,
      ADD_APPROVED_SCRIPT,
      2,
      keys.session(sessionId),
      keys.approvedToolTypes(sessionId),
      key,
    );
  };

  return {
    async create(record) {
      // Sent together (the index is in another hash slot); an index entry whose record is
      // missing is skipped by the sweep.
      await Promise.all([
        client.zadd(keys.sessionExpiries(), record.expiresAt, record.sessionId),
        writeRecord(record),
      ]);
    },

    async createWithin(record, maxSessions) {
      // The index counts the sessions (expired ones until the sweep takes them): taking a
      // place in it first decides; a record whose write then fails is skipped by the sweep.
      const indexed = await runLuaScript(
        client,
        INDEX_WITHIN_SCRIPT,
        1,
        keys.sessionExpiries(),
        record.sessionId,
        String(record.expiresAt),
        String(maxSessions),
      );
      if (indexed !== 1) return false;
      await writeRecord(record);
      return true;
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
      const [results] = await Promise.all([
        client
          .multi()
          .del(keys.session(sessionId))
          .del(keys.approvedToolTypes(sessionId), keys.runLock(sessionId))
          .exec(),
        client.zrem(keys.sessionExpiries(), sessionId),
      ]);
      return results?.[0]?.[1] === 1;
    },

    addApprovedToolType,

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

    async takeExpired(nowSeconds) {
      const expired: SessionRecord[] = [];
      for (;;) {
        const ids = (await runLuaScript(
          client,
          TAKE_EXPIRED_SCRIPT,
          1,
          keys.sessionExpiries(),
          String(nowSeconds),
          String(SWEEP_BATCH),
        )) as string[];
        const taken = await Promise.all(
          ids.map(
            async (id) =>
              (await runLuaScript(
                client,
                TAKE_SESSION_SCRIPT,
                3,
                keys.session(id),
                keys.approvedToolTypes(id),
                keys.runLock(id),
              )) as [string, string],
          ),
        );
        for (const [text, approved] of taken) {
          if (text !== '') expired.push(parseStored(text, parseApprovedList(approved)));
        }
        if (ids.length < SWEEP_BATCH) break;
      }
      return expired;
    },

    close() {
      return Promise.resolve();
    },
  };
}
