import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type { SessionRecord, SessionStore } from '../../core/stores.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { parseStored, type StoredSession } from './redis-session-record.js';
import { createRedisRunLock } from './redis-session-run-lock.js';
import { takeExpiredSessions } from './redis-session-sweep.js';

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
      ...(record.endedAt === undefined ? {} : { endedAt: record.endedAt }),
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

    ...createRedisRunLock(client, keys),

    takeExpired: (nowSeconds) => takeExpiredSessions(client, keys, nowSeconds),

    close() {
      return Promise.resolve();
    },
  };
}
