import type { Redis } from 'ioredis';
import { runLuaScript } from './run-lua-script.js';
import type { ClaimedRun, RunCheckpoint, RunLeaseStore, RunRecord } from '../../core/run-takeover.js';
import type { RedisKeySpace } from './redis-key-space.js';

/**
 * Every script reads the Redis server's clock (`TIME`), never the instances' clocks: lease
 * expiry is then one timeline for the whole deployment even when the machines' clocks drift.
 */
const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * KEYS: lease hash, expiries. ARGV: run id, owner, lease ms, record JSON, hash TTL s, epoch,
 * '1' to create only when absent (a restore).
 */
const BEGIN_SCRIPT = `${NOW}
if ARGV[7] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'epoch', ARGV[6], 'record', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
return 1`;

/** KEYS: lease hash, expiries. ARGV: run id, owner, epoch, lease ms, hash TTL s. 1 renewed, 0 lost, -1 missing. */
const RENEW_SCRIPT = `${NOW}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[3] then
  return 0
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1`;

/** KEYS: lease hash. ARGV: epoch, checkpoint JSON. 1 saved, 0 lost, -1 missing (not saved). */
const CHECKPOINT_SCRIPT = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return -1 end
if epoch ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'checkpoint', ARGV[2])
return 1`;

/** KEYS: lease hash, expiries. ARGV: run id, epoch. */
const RELINQUISH_SCRIPT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then
  return 0
end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1`;

/**
 * KEYS: lease hash, expiries. ARGV: run id, epoch, tombstone TTL s. The hash stays as a
 * tombstone (without its record and checkpoint) so that a late renewal is refused.
 */
const END_SCRIPT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], 'record', 'checkpoint')
redis.call('HSET', KEYS[1], 'ended', 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

/** KEYS: lease hash. ARGV: epoch. 1 when held at that epoch and not ended. */
const HOLDS_SCRIPT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then
  return 0
end
return 1`;

/**
 * KEYS: expiries. ARGV: lease key prefix, lease key suffix, owner, lease ms, limit, hash TTL s.
 * Returns {run id, new epoch, record JSON, checkpoint JSON or ''} per claimed run. Ids whose
 * hash is gone (expired after a very long outage) are dropped from the set.
 */
const CLAIM_SCRIPT = `${NOW}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))
local claimed = {}
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id .. ARGV[2]
  if redis.call('EXISTS', key) == 0 then
    redis.call('ZREM', KEYS[1], id)
  else
    local epoch = redis.call('HINCRBY', key, 'epoch', 1)
    redis.call('HSET', key, 'owner', ARGV[3])
    redis.call('EXPIRE', key, ARGV[6])
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), id)
    local fields = redis.call('HMGET', key, 'record', 'checkpoint')
    table.insert(claimed, {id, epoch, fields[1] or '', fields[2] or ''})
  end
end
return claimed`;

/**
 * How long a lease hash outlives its last renewal: a safety net for runs no instance ever
 * claims (every instance gone for a day).
 */
const HASH_TTL_SECONDS = 86_400;

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const toRecord = (runId: string, text: string): RunRecord | undefined => {
  const value = parseJson(text);
  if (!isObject(value) || typeof value['sessionId'] !== 'string' || !isObject(value['request'])) {
    return undefined;
  }
  return { runId, sessionId: value['sessionId'], request: value['request'] };
};

const toCheckpoint = (text: string): RunCheckpoint | undefined => {
  if (text === '') return undefined;
  const value = parseJson(text);
  if (!isObject(value) || !Array.isArray(value['messages']) || typeof value['turns'] !== 'number') {
    return undefined;
  }
  // Written by this store from a RunCheckpoint; the shape was checked above.
  return value as unknown as RunCheckpoint;
};

/** Options of `createRedisRunLeaseStore`. */
export interface RedisRunLeaseStoreOptions {
  client: Redis;
  keys: RedisKeySpace;
}

/**
 * Creates the Redis `RunLeaseStore`: one hash per running run (owner, epoch, request record,
 * latest checkpoint) and one sorted set of lease expiries that `claimExpired` scans. Every
 * state change is one Lua script, so two instances claiming the same run cannot both win, and a
 * write under a stale epoch is refused atomically. The client is borrowed.
 */
export function createRedisRunLeaseStore(options: RedisRunLeaseStoreOptions): RunLeaseStore {
  const { client, keys } = options;
  const ttl = String(HASH_TTL_SECONDS);
  const write = async (
    record: RunRecord,
    owner: string,
    leaseMs: number,
    epoch: number,
    onlyIfAbsent: boolean,
  ): Promise<boolean> => {
    const written = await runLuaScript(
      client,
      BEGIN_SCRIPT,
      2,
      keys.runLease(record.runId),
      keys.runLeaseExpiries(),
      record.runId,
      owner,
      String(Math.ceil(leaseMs)),
      JSON.stringify({ sessionId: record.sessionId, request: record.request }),
      ttl,
      String(epoch),
      onlyIfAbsent ? '1' : '0',
    );
    return written === 1;
  };
  const end = async (runId: string, epoch: number): Promise<void> => {
    await runLuaScript(
      client,
      END_SCRIPT,
      2,
      keys.runLease(runId),
      keys.runLeaseExpiries(),
      runId,
      String(epoch),
      ttl,
    );
  };
  return {
    async begin(record, owner, leaseMs) {
      await write(record, owner, leaseMs, 1, false);
    },

    restore(record, owner, epoch, leaseMs) {
      return write(record, owner, leaseMs, epoch, true);
    },

    async renew(runId, owner, epoch, leaseMs) {
      const renewed = await runLuaScript(
        client,
        RENEW_SCRIPT,
        2,
        keys.runLease(runId),
        keys.runLeaseExpiries(),
        runId,
        owner,
        String(epoch),
        String(Math.ceil(leaseMs)),
        ttl,
      );
      return renewed === 1 ? 'renewed' : renewed === 0 ? 'lost' : 'missing';
    },

    async saveCheckpoint(runId, epoch, checkpoint) {
      const saved = await runLuaScript(
        client,
        CHECKPOINT_SCRIPT,
        1,
        keys.runLease(runId),
        String(epoch),
        JSON.stringify(checkpoint),
      );
      return saved !== 0;
    },

    end,

    async holds(runId, epoch) {
      return (await runLuaScript(client, HOLDS_SCRIPT, 1, keys.runLease(runId), String(epoch))) === 1;
    },

    async relinquish(runId, epoch) {
      await runLuaScript(
        client,
        RELINQUISH_SCRIPT,
        2,
        keys.runLease(runId),
        keys.runLeaseExpiries(),
        runId,
        String(epoch),
      );
    },

    async claimExpired(owner, leaseMs, limit) {
      const { before, after } = keys.runLeaseAffixes();
      const rows = (await runLuaScript(
        client,
        CLAIM_SCRIPT,
        1,
        keys.runLeaseExpiries(),
        before,
        after,
        owner,
        String(Math.ceil(leaseMs)),
        String(Math.max(1, Math.floor(limit))),
        ttl,
      )) as Array<[string, number, string, string]>;
      const claimed: ClaimedRun[] = [];
      for (const [runId, epoch, recordText, checkpointText] of rows) {
        const record = toRecord(runId, recordText);
        // A record this store did not write cannot be continued: drop it rather than reclaim it
        // forever (the claim already fenced out whoever wrote it).
        if (record === undefined) {
          await end(runId, Number(epoch));
          continue;
        }
        claimed.push({ record, checkpoint: toCheckpoint(checkpointText), epoch: Number(epoch) });
      }
      return claimed;
    },

    close() {
      return Promise.resolve();
    },
  };
}
