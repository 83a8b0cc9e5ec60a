import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type { ClaimedRun, RunCheckpoint, RunLeaseStore, RunRecord } from '../../core/run-takeover.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { createRunLeaseIndex, type OrphanCandidate } from './redis-run-lease-index.js';
import {
  BEGIN_SCRIPT,
  CHECKPOINT_SCRIPT,
  CLAIM_RUN_SCRIPT,
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

/** Lapsed leases listed by one scan (runs of silent owners are all listed, however many). */
const LAPSED_PER_SCAN = 1_000;

/** What `CLAIM_RUN_SCRIPT` answers. */
type ClaimAnswer =
  ['gone'] | ['ended', string] | ['held', string, number] | ['claimed', string, number, string, string];

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

  /** Tries one candidate: the claimed run, or undefined (the index is put right meanwhile). */
  const claim = async (
    candidate: OrphanCandidate,
    owner: string,
    leaseMs: number,
  ): Promise<ClaimedRun | undefined> => {
    const { runId, silentOwner } = candidate;
    const answer = (await runLuaScript(
      client,
      CLAIM_RUN_SCRIPT,
      1,
      keys.runLease(runId),
      owner,
      String(Math.ceil(leaseMs)),
      ttl,
      silentOwner ?? '',
    )) as ClaimAnswer;
    switch (answer[0]) {
      case 'gone':
        await index.drop(runId, [silentOwner]);
        return undefined;
      case 'ended':
        await index.drop(runId, [answer[1], silentOwner]);
        return undefined;
      case 'held':
        // Another owner holds it (the index was stale): index it as that owner's.
        await index.put(runId, answer[1], answer[2], silentOwner);
        return undefined;
      case 'claimed': {
        const [, previous, epoch, recordText, checkpointText] = answer;
        await index.put(runId, owner, leaseMs, previous);
        const record = toRecord(runId, recordText);
        // A record this store did not write cannot be continued: drop it rather than reclaim it
        // forever (the claim already fenced out whoever wrote it).
        if (record === undefined) {
          await end(runId, Number(epoch));
          return undefined;
        }
        return { record, checkpoint: toCheckpoint(checkpointText), epoch: Number(epoch) };
      }
    }
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

    async claimOrphaned(owner, leaseMs, scanOptions = {}) {
      const candidates = await index.scan(owner, scanOptions.silentOwnerMs, LAPSED_PER_SCAN);
      // Concurrently: a dead instance's runs are all claimed in about one round trip.
      const outcomes = await Promise.allSettled(
        candidates.map((candidate) => claim(candidate, owner, leaseMs)),
      );
      const claimed: ClaimedRun[] = [];
      let failure: PromiseRejectedResult | undefined;
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') failure ??= outcome;
        else if (outcome.value !== undefined) claimed.push(outcome.value);
      }
      // Runs claimed before a failure must be continued; a failed attempt is retried next scan.
      if (failure !== undefined && claimed.length === 0) throw failure.reason;
      return claimed;
    },

    close() {
      return Promise.resolve();
    },
  };
}
