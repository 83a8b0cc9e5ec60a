import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type {
  PendingAnswerKey,
  PendingAnswerRecord,
  PendingAnswerStatus,
  PendingAnswerStore,
} from '../../core/stores.js';
import type { RedisKeySpace } from './redis-key-space.js';

/**
 * How long a pending answer's key outlives its `expiresAt` (late answers to a waiting call still
 * get a 410, repeated answers to an answered one a 409).
 */
const KEY_EXPIRY_MARGIN_SECONDS = 3600;

/**
 * KEYS: the call, its run's set of calls, its session's tool call ids → runs. ARGV: record,
 * status, expiry s, tool call id, run id. Asks for an answer unless its key still waits for an answer
 * (an answered tombstone is replaced); only a pending answer is indexed. All three keys are in the
 * session's hash slot.
 */
const CREATE_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'pending' or status == 'approval_pending' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'status', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
if redis.call('TTL', KEYS[2]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
if redis.call('TTL', KEYS[3]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[3], ARGV[3]) end
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
 * KEYS: the call, its run's set, its session's ids → runs. ARGV: tool call id, run id. Removes
 * the call and its index entries; the session's entry only while it still names this run.
 */
const DELETE_SCRIPT = `
local removed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[3], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[3], ARGV[1]) end
return removed`;

/**
 * KEYS: the run's set, the session's ids → runs, then the calls. ARGV: run id, then the calls'
 * tool call ids in the same order. Removes the calls still waiting (or gone) with their index
 * entries; answered tombstones stay until they expire.
 */
const WITHDRAW_SCRIPT = `
local withdrawn = 0
for i = 3, #KEYS do
  local id = ARGV[i - 1]
  local status = redis.call('HGET', KEYS[i], 'status')
  if status == 'pending' or status == 'approval_pending' or not status then
    redis.call('DEL', KEYS[i])
    redis.call('SREM', KEYS[1], id)
    if redis.call('HGET', KEYS[2], id) == ARGV[1] then redis.call('HDEL', KEYS[2], id) end
    withdrawn = withdrawn + 1
  end
end
return withdrawn`;

/**
 * Withdraws the run's pending answers `ids` (its set's members, read by the caller) in one script:
 * those still waiting are deleted and leave the indexes; answered ones stay until they expire.
 */
export async function withdrawPendingAnswers(
  client: RedisClient,
  keys: RedisKeySpace,
  sessionId: string,
  runId: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await runLuaScript(
    client,
    WITHDRAW_SCRIPT,
    2 + ids.length,
    keys.pendingAnswersOfRun(sessionId, runId),
    keys.pendingAnswerRuns(sessionId),
    ...ids.map((toolCallId) => keys.pendingAnswer({ sessionId, runId, toolCallId })),
    runId,
    ...ids,
  );
}

const isStatus = (value: unknown): value is PendingAnswerStatus =>
  value === 'approval_pending' ||
  value === 'approval_received' ||
  value === 'pending' ||
  value === 'received';

/** Options of `createRedisPendingAnswerStore`. */
export interface RedisPendingAnswerStoreOptions {
  client: RedisClient;
  keys: RedisKeySpace;
}

/**
 * Creates the Redis `PendingAnswerStore`: each pending answer is a hash (`record` JSON, `status`)
 * under its session, run and tool call id, expiring an hour after the call's own deadline;
 * `transition` is a Lua compare-and-set, which is what makes "answered exactly once" hold
 * across instances. A run's set of calls is what its end withdraws, and the session's hash of
 * tool call ids → runs is how an answer naming only a tool call id finds its call. Every key of
 * a call lives in its session's hash slot, so each write is one script, on a Cluster too. The
 * client is borrowed.
 */
export function createRedisPendingAnswerStore(options: RedisPendingAnswerStoreOptions): PendingAnswerStore {
  const { client, keys } = options;

  const read = async (key: PendingAnswerKey): Promise<PendingAnswerRecord | undefined> => {
    const [text, status] = await client.hmget(keys.pendingAnswer(key), 'record', 'status');
    if (typeof text !== 'string' || !isStatus(status)) return undefined;
    const stored = JSON.parse(text) as Omit<PendingAnswerRecord, 'status'>;
    return { ...stored, status };
  };

  return {
    async create(record) {
      const { status, ...rest } = record;
      const expiry = String(
        Math.ceil(Math.max(0, record.expiresAt - Date.now() / 1000)) + KEY_EXPIRY_MARGIN_SECONDS,
      );
      const created = await runLuaScript(
        client,
        CREATE_SCRIPT,
        3,
        keys.pendingAnswer(record),
        keys.pendingAnswersOfRun(record.sessionId, record.runId),
        keys.pendingAnswerRuns(record.sessionId),
        JSON.stringify(rest),
        status,
        expiry,
        record.toolCallId,
        record.runId,
      );
      return created === 1;
    },

    get: read,

    async findInSession(sessionId, toolCallId) {
      const runId = await client.hget(keys.pendingAnswerRuns(sessionId), toolCallId);
      return runId === null ? undefined : read({ sessionId, runId, toolCallId });
    },

    async transition(key, from, to) {
      return (await runLuaScript(client, TRANSITION_SCRIPT, 1, keys.pendingAnswer(key), from, to)) === 1;
    },

    async delete(key) {
      const removed = await runLuaScript(
        client,
        DELETE_SCRIPT,
        3,
        keys.pendingAnswer(key),
        keys.pendingAnswersOfRun(key.sessionId, key.runId),
        keys.pendingAnswerRuns(key.sessionId),
        key.toolCallId,
        key.runId,
      );
      return removed === 1;
    },

    async deletePendingOfRun(sessionId, runId) {
      await withdrawPendingAnswers(
        client,
        keys,
        sessionId,
        runId,
        await client.smembers(keys.pendingAnswersOfRun(sessionId, runId)),
      );
    },

    close() {
      return Promise.resolve();
    },
  };
}
