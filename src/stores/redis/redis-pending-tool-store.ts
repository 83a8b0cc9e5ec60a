import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type { PendingToolRecord, PendingToolStatus, PendingToolStore } from '../../core/stores.js';
import type { RedisKeySpace } from './redis-key-space.js';

/**
 * How long a parked call's key outlives its `expiresAt` (late answers to a waiting call still
 * get a 410, repeated answers to an answered one a 409).
 */
const KEY_EXPIRY_MARGIN_SECONDS = 3600;

/**
 * KEYS: the call. Parks a call unless its id still waits for an answer (an answered tombstone
 * is replaced).
 */
const CREATE_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'pending' or status == 'approval_pending' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'status', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;

/** KEYS: the session's set of calls. Indexes a call under its session (a separate slot). */
const INDEX_SCRIPT = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2], 'GT')
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/**
 * The compare-and-set: one script runs at a time on a Redis server, so among racing callers on
 * any number of instances exactly one sees `from` and writes `to`.
 */
const TRANSITION_SCRIPT = `
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
return 1`;

/**
 * KEYS: the call. Removes it when it still waits (or is gone): 1; an answered tombstone stays
 * until it expires: 0.
 */
const DELETE_WAITING_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'pending' or status == 'approval_pending' or not status then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

/**
 * Withdraws the session's parked calls `ids` (its set's members, read by the caller): those
 * still waiting are deleted and leave the set; answered ones stay until they expire.
 */
export async function withdrawWaitingCalls(
  client: RedisClient,
  keys: RedisKeySpace,
  sessionId: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  const removed = await Promise.all(
    ids.map(async (id) =>
      (await runLuaScript(client, DELETE_WAITING_SCRIPT, 1, keys.pendingTool(id))) === 1 ? id : undefined,
    ),
  );
  const gone = removed.filter((id): id is string => id !== undefined);
  if (gone.length > 0) await client.srem(keys.pendingToolsOfSession(sessionId), ...gone);
}

const isStatus = (value: unknown): value is PendingToolStatus =>
  value === 'approval_pending' ||
  value === 'approval_received' ||
  value === 'pending' ||
  value === 'received';

/** Options of `createRedisPendingToolStore`. */
export interface RedisPendingToolStoreOptions {
  client: RedisClient;
  keys: RedisKeySpace;
}

/**
 * Creates the Redis `PendingToolStore`: each parked call is a hash (`record` JSON, `status`)
 * expiring an hour after the call's own deadline; `transition` is a Lua compare-and-set, which
 * is what makes "answered exactly once" hold across instances. The client is borrowed.
 */
export function createRedisPendingToolStore(options: RedisPendingToolStoreOptions): PendingToolStore {
  const { client, keys } = options;

  return {
    async create(record) {
      const { status, ...rest } = record;
      const expiry = String(
        Math.ceil(Math.max(0, record.expiresAt - Date.now() / 1000)) + KEY_EXPIRY_MARGIN_SECONDS,
      );
      // Sent together (the session's set is in another hash slot); a refused call is one that
      // still waits under the same id, so it is indexed already.
      const [created] = await Promise.all([
        runLuaScript(
          client,
          CREATE_SCRIPT,
          1,
          keys.pendingTool(record.toolCallId),
          JSON.stringify(rest),
          status,
          expiry,
        ),
        runLuaScript(
          client,
          INDEX_SCRIPT,
          1,
          keys.pendingToolsOfSession(record.sessionId),
          record.toolCallId,
          expiry,
        ),
      ]);
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
      await withdrawWaitingCalls(
        client,
        keys,
        sessionId,
        await client.smembers(keys.pendingToolsOfSession(sessionId)),
      );
    },

    close() {
      return Promise.resolve();
    },
  };
}
