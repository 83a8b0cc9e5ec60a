import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type { RunLeaseStore, RunRecord } from '../../core/run-takeover.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { createRunLeaseIndex } from './redis-run-lease-index.js';
import { createOrphanClaims } from './redis-run-lease-claims.js';
import {
  BEGIN_SCRIPT,
  CHECKPOINT_SCRIPT,
  END_SCRIPT,
  HOLDS_SCRIPT,
  RELINQUISH_SCRIPT,
  RENEW_SCRIPT,
} from './redis-run-lease-scripts.js';

/**
 * How long a lease hash outlives its last renewal: a safety net for runs no instance ever
 * claims (every instance gone for a day).
 */
export const HASH_TTL_SECONDS = 86_400;

/** Options of `createRedisRunLeaseStore`. */
export interface RedisRunLeaseStoreOptions {
  client: RedisClient;
  keys: RedisKeySpace;
}

/**
 * Creates the Redis `RunLeaseStore`: one hash per running run (owner, epoch, expiry, request
 * record, latest checkpoint) decides who holds the run, and index keys (lease expiries, owner
 * heartbeats, runs by owner) tell scanning instances where to look. Every change of a lease
 * is one Lua script on its hash, so two instances claiming the same run cannot both win, and a
 * write under a stale epoch is refused atomically; the index is updated after it. The client
 * is borrowed.
 */
export function createRedisRunLeaseStore(options: RedisRunLeaseStoreOptions): RunLeaseStore {
  const { client, keys } = options;
  const index = createRunLeaseIndex(client, keys);
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
      1,
      keys.runLease(record.runId),
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
    const owner = await runLuaScript(client, END_SCRIPT, 1, keys.runLease(runId), String(epoch), ttl);
    if (typeof owner === 'string') await index.drop(runId, [owner]);
  };

  return {
    async begin(record, owner, leaseMs) {
      await Promise.all([write(record, owner, leaseMs, 1, false), index.put(record.runId, owner, leaseMs)]);
    },

    async restore(record, owner, epoch, leaseMs) {
      const restored = await write(record, owner, leaseMs, epoch, true);
      if (restored) await index.put(record.runId, owner, leaseMs);
      return restored;
    },

    async renew(runId, owner, epoch, leaseMs) {
      const renewed = await runLuaScript(
        client,
        RENEW_SCRIPT,
        1,
        keys.runLease(runId),
        owner,
        String(epoch),
        String(Math.ceil(leaseMs)),
        ttl,
      );
      if (renewed === 1) await index.put(runId, owner, leaseMs);
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
      const owner = await runLuaScript(client, RELINQUISH_SCRIPT, 1, keys.runLease(runId), String(epoch));
      if (typeof owner === 'string') await index.put(runId, owner, 0);
    },

    beat(owner, scanOptions = {}) {
      return index.beat(owner, scanOptions.silentOwnerMs);
    },

    leave(owner) {
      return index.leave(owner);
    },

    isOwnerSilent(owner, silentMs) {
      return index.isSilent(owner, silentMs);
    },

    ...createOrphanClaims({ client, keys, index, ttl, end }),

    close() {
      return Promise.resolve();
    },
  };
}
