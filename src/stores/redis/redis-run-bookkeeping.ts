import type { RunBookkeeping } from '../../core/run-bookkeeping.js';
import type { RunDirectory } from '../../core/stores.js';
import type { RunLeaseStore } from '../../core/run-takeover.js';
import type { RedisClient } from './redis-client.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { ttlSecondsOf } from './redis-ttl.js';
import { withdrawPendingAnswers } from './redis-pending-answer-store.js';
import { createRunLeaseIndex, encodeLeaseOwner } from './redis-run-lease-index.js';
import { HASH_TTL_SECONDS } from './redis-run-lease-store.js';
import {
  FINISH_RUN_SCRIPT,
  FINISH_RUN_SLOT_SCRIPT,
  FREE_SESSION_SCRIPT,
  FREE_SESSION_SLOT_SCRIPT,
  OPEN_RUN_SCRIPT,
} from './redis-run-bookkeeping-scripts.js';
import { runLuaScript } from './run-lua-script.js';

/** Options of `createRedisRunBookkeeping`. */
export interface RedisRunBookkeepingOptions {
  client: RedisClient;
  keys: RedisKeySpace;
  /**
   * A Redis Cluster: a script may then touch the keys of one hash slot only, so each step is
   * one script per slot (sent concurrently where they are independent) instead of one in all.
   */
  cluster: boolean;
  /** The bundle's directory and leases, for what has no combined script. */
  directory: RunDirectory;
  leases: RunLeaseStore;
}

/** A duration in ms as a script's TTL argument (whole seconds). */
const ttlArgument = (durationMs: number): string => String(ttlSecondsOf(durationMs));

/**
 * Creates the Redis `RunBookkeeping`. On a single server (or a Sentinel master) a run's start
 * is one script (lease, lease index, directory), freeing its session one (lease check, lock,
 * pending answer ids) and its end one (retention, directory, lease end, lease index): 3 round
 * trips where the separate calls make 9. On a Cluster the keys live in three slots (the run's,
 * the session's, the lease index's): the start's writes go out concurrently as before, freeing
 * the session takes two round trips (lease check, then lock and pending answer ids) and the end
 * three (retention and lease end, directory concurrently, then the index). When the run left
 * pending answers, withdrawing them is one more round trip (one script in the session's slot). The
 * client is borrowed.
 */
export function createRedisRunBookkeeping(options: RedisRunBookkeepingOptions): RunBookkeeping {
  const { client, keys, cluster, directory, leases } = options;
  const index = createRunLeaseIndex(client, keys);
  const tombstoneTtl = String(HASH_TTL_SECONDS);
  return {
    async open({ location, directoryTtlMs, lease }) {
      if (lease === undefined) return directory.setLatest(location, directoryTtlMs);
      if (cluster) {
        await Promise.all([
          leases.begin(lease.record, lease.owner, lease.leaseMs),
          directory.setLatest(location, directoryTtlMs),
        ]);
        return;
      }
      await runLuaScript(
        client,
        OPEN_RUN_SCRIPT,
        4,
        keys.runLease(location.runId),
        keys.runLeaseExpiries(),
        keys.runsByOwner(),
        keys.latestRun(location.sessionId),
        lease.owner,
        String(Math.ceil(lease.leaseMs)),
        JSON.stringify({ sessionId: lease.record.sessionId, request: lease.record.request }),
        tombstoneTtl,
        encodeLeaseOwner(lease.owner),
        location.runId,
        location.instanceId,
        ttlArgument(directoryTtlMs),
      );
    },

    async freeSession({ runId, sessionId, epoch }) {
      let pendingIds: unknown;
      if (cluster) {
        if (!(await leases.holds(runId, epoch))) return false;
        pendingIds = await runLuaScript(
          client,
          FREE_SESSION_SLOT_SCRIPT,
          2,
          keys.runLock(sessionId),
          keys.pendingAnswersOfRun(sessionId, runId),
        );
      } else {
        pendingIds = await runLuaScript(
          client,
          FREE_SESSION_SCRIPT,
          3,
          keys.runLease(runId),
          keys.runLock(sessionId),
          keys.pendingAnswersOfRun(sessionId, runId),
          String(epoch),
        );
        if (!Array.isArray(pendingIds)) return false;
      }
      const ids = Array.isArray(pendingIds)
        ? pendingIds.filter((id): id is string => typeof id === 'string')
        : [];
      await withdrawPendingAnswers(client, keys, sessionId, runId, ids);
      return true;
    },

    async finish({ runId, sessionId, retentionMs, epoch, owner }) {
      if (!cluster) {
        await runLuaScript(
          client,
          FINISH_RUN_SCRIPT,
          5,
          keys.runEvents(runId),
          keys.runLease(runId),
          keys.latestRun(sessionId),
          keys.runLeaseExpiries(),
          keys.runsByOwner(),
          ttlArgument(retentionMs),
          runId,
          String(epoch),
          tombstoneTtl,
          encodeLeaseOwner(owner),
        );
        return;
      }
      const [ended] = await Promise.all([
        runLuaScript(
          client,
          FINISH_RUN_SLOT_SCRIPT,
          2,
          keys.runEvents(runId),
          keys.runLease(runId),
          ttlArgument(retentionMs),
          String(epoch),
          tombstoneTtl,
        ),
        directory.markFinished(sessionId, runId, retentionMs),
      ]);
      if (typeof ended === 'string') await index.drop(runId, [ended]);
    },
  };
}
