import type { ClaimedRun, RunCheckpoint, RunLeaseStore, RunRecord } from '../../core/run-takeover.js';
import type { RedisClient } from './redis-client.js';
import type { RedisKeySpace } from './redis-key-space.js';
import type { OrphanCandidate, RunLeaseIndex } from './redis-run-lease-index.js';
import { CLAIM_RUN_SCRIPT } from './redis-run-lease-scripts.js';
import { runLuaScript } from './run-lua-script.js';

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

/** What the orphan claims need of the lease store around them. */
export interface OrphanClaimsContext {
  client: RedisClient;
  keys: RedisKeySpace;
  index: RunLeaseIndex;
  /** The lease hash's expiry in seconds, as a script argument. */
  ttl: string;
  /** Ends the run's lease under `epoch` (`RunLeaseStore.end`). */
  end: (runId: string, epoch: number) => Promise<void>;
}

/**
 * `RunLeaseStore.claimOrphaned` in Redis: the index lists the candidates (lapsed leases, runs of
 * silent owners), and each is claimed by one script on its lease hash, so two instances never
 * both win; a stale index entry is put right on the way.
 */
export function createOrphanClaims(context: OrphanClaimsContext): Pick<RunLeaseStore, 'claimOrphaned'> {
  const { client, keys, index, ttl, end } = context;

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
  };
}
