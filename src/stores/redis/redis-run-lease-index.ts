import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type { RedisKeySpace } from './redis-key-space.js';
import {
  BEAT_SCRIPT,
  INDEX_DROP_SCRIPT,
  INDEX_PUT_SCRIPT,
  LEAVE_SCRIPT,
  OWNER_SILENT_SCRIPT,
  SCAN_SCRIPT,
} from './redis-run-lease-scripts.js';

/** A run a scan found: its id, and the silent owner it was found under (if so). */
export interface OrphanCandidate {
  runId: string;
  silentOwner: string | undefined;
}

/**
 * Where scanning instances look for runs to claim: lease expiries, owners' heartbeats and runs
 * by owner, all on index keys (one script never mixes them with a run's lease hash). Owners
 * are URL-encoded here, so that the `|` separating owner and run id never occurs in one.
 */
export interface RunLeaseIndex {
  /** Indexes the run as held by `owner`, expiring in `ms`; drops `staleOwner`'s entry. */
  put(runId: string, owner: string, ms: number, staleOwner?: string): Promise<void>;
  /** Forgets the run (and the entries of `owners`). */
  drop(runId: string, owners: ReadonlyArray<string | undefined>): Promise<void>;
  beat(owner: string, silentOwnerMs: number | undefined): Promise<boolean>;
  leave(owner: string): Promise<void>;
  isSilent(owner: string, silentMs: number): Promise<boolean>;
  scan(owner: string, silentOwnerMs: number | undefined, limit: number): Promise<OrphanCandidate[]>;
}

/** An owner as the index spells it (URL-encoded, so that `|` never occurs in one). */
export const encodeLeaseOwner = (owner: string): string => encodeURIComponent(owner);

const encode = encodeLeaseOwner;

const decode = (owner: string): string => {
  try {
    return decodeURIComponent(owner);
  } catch {
    return owner;
  }
};

/** Creates the index on `client` (borrowed). */
export function createRunLeaseIndex(client: RedisClient, keys: RedisKeySpace): RunLeaseIndex {
  const expiries = keys.runLeaseExpiries();
  const owners = keys.runLeaseOwners();
  const byOwner = keys.runsByOwner();
  return {
    async put(runId, owner, ms, staleOwner) {
      await runLuaScript(
        client,
        INDEX_PUT_SCRIPT,
        2,
        expiries,
        byOwner,
        runId,
        encode(owner),
        String(Math.max(0, Math.ceil(ms))),
        staleOwner === undefined ? '' : encode(staleOwner),
      );
    },

    async drop(runId, dropped) {
      const encoded = dropped.map((owner) => (owner === undefined ? '' : encode(owner)));
      await runLuaScript(client, INDEX_DROP_SCRIPT, 2, expiries, byOwner, runId, ...encoded);
    },

    async beat(owner, silentOwnerMs) {
      const silent = silentOwnerMs === undefined ? '' : String(Math.ceil(silentOwnerMs));
      return (await runLuaScript(client, BEAT_SCRIPT, 2, owners, expiries, encode(owner), silent)) === 1;
    },

    async leave(owner) {
      await runLuaScript(client, LEAVE_SCRIPT, 1, owners, encode(owner));
    },

    async isSilent(owner, silentMs) {
      const silent = String(Math.max(0, Math.ceil(silentMs)));
      return (await runLuaScript(client, OWNER_SILENT_SCRIPT, 1, owners, encode(owner), silent)) === 1;
    },

    async scan(owner, silentOwnerMs, limit) {
      const silent = silentOwnerMs === undefined ? '' : String(Math.ceil(silentOwnerMs));
      const rows = (await runLuaScript(
        client,
        SCAN_SCRIPT,
        3,
        expiries,
        owners,
        byOwner,
        encode(owner),
        silent,
        String(Math.max(1, Math.floor(limit))),
      )) as Array<[string, string]>;
      return rows.map(([runId, silentOwner]) => ({
        runId,
        silentOwner: silentOwner === '' ? undefined : decode(silentOwner),
      }));
    },
  };
}
