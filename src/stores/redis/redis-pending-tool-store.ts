import type { Redis } from 'ioredis';
import { runLuaScript } from './run-lua-script.js';
import type { PendingToolRecord, PendingToolStatus, PendingToolStore } from '../../core/stores.js';
import type { RedisKeySpace } from './redis-key-space.js';

/**
 * How long a parked call's key outlives its `expiresAt` (late answers to a waiting call still
 * get a 410, repeated answers to an answered one a 409).
 */
const KEY_EXPIRY_MARGIN_SECONDS = 3600;

/**
 * Parks a call unless its id still waits for an answer (an answered tombstone is replaced);
 * indexes it under its session.
 */
const CREATE_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'pending' or status == 'approval_pending' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'status', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[3], 'GT')
if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
return 1`;

/**
 * The compare-and-set: one script runs at a time on a Redis server, so among racing callers on
 * any number of instances exactly one sees `from` and writes `to`.
 */
const TRANSITION_SCRIPT = `
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
return 1`;

/** Removes the session's calls that still wait; answered tombstones expire with their key. */
const DELETE_FOR_SESSION_SCRIPT = `
local ids = redis.call('SMEMBERS', KEYS[1])
local removed = 0
for _, id in ipairs(ids) do
  local status = redis.call('HGET', ARGV[1] .. id, 'status')
  if status == 'pending' or status == 'approval_pending' or not status then
    redis.call('DEL', ARGV[1] .. id)
    redis.call('SREM', KEYS[1], id)
    removed = removed + 1
  end
end
return removed`;

const isStatus = (value: unknown): value is PendingToolStatus =>
  value === 'approval_pending' ||
  value === 'approval_received' ||
  value === 'pending' ||
  value === 'received';

/** Options of `createRedisPendingToolStore`. */
export interface RedisPendingToolStoreOptions {
  client: Redis;
  keys: RedisKeySpace;
}

/**
 * Creates the Redis `PendingToolStore`: each parked call is a hash (`record` JSON, `status`)
 * expiring an hour after the call's own deadline; `transition` is a Lua compare-and-set, which
 * is what makes "answered exactly once" hold across instances. The client is borrowed.
 */
export function createRedisPendingToolStore(options: RedisPendingToolStoreOptions): PendingToolStore {
  const { client, keys } = options;
  const recordPrefix = keys.pendingTool('');

  return {
    async create(record) {
      const { status, ...rest } = record;
      const created = await runLuaScript(
        client,
        CREATE_SCRIPT,
        2,
        keys.pendingTool(record.toolCallId),
        keys.pendingToolsOfSession(record.sessionId),
        JSON.stringify(rest),
        status,
        String(Math.ceil(Math.max(0, record.expiresAt - Date.now() / 1000)) + KEY_EXPIRY_MARGIN_SECONDS),
        record.toolCallId,
      );
      return created === 1;
    },

    async get(toolCallId) {
      const [text, status] = await client.hmget(keys.pendingTool(toolCallId), 'record', 'status');
      if (typeof text !== 'string' || !isStatus(status)) return undefined;
      const stored = JSON.parse(text) as Omit<PendingToolRecord, 'status'>;
      return { ...stored, status };
    },

    async transition(toolCallId, from, to) {
      return (await runLuaScript(client, TRANSITION_SCRIPT, 1, keys.pendingTool(toolCallId), from, to)) === 1;
    },

    async delete(toolCallId) {
      const key = keys.pendingTool(toolCallId);
      const text = await client.hget(key, 'record');
      const removed = (await client.del(key)) === 1;
      if (text !== null) {
        const { sessionId } = JSON.parse(text) as Pick<PendingToolRecord, 'sessionId'>;
        await client.srem(keys.pendingToolsOfSession(sessionId), toolCallId);
      }
      return removed;
    },

    async deleteForSession(sessionId) {
      await runLuaScript(
        client,
        DELETE_FOR_SESSION_SCRIPT,
        1,
        keys.pendingToolsOfSession(sessionId),
        recordPrefix,
      );
    },

    close() {
      return Promise.resolve();
    },
  };
}
