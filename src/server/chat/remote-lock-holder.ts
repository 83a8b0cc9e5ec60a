import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { FinishingRun } from './acquire-session-lock.js';
import { endsWithTerminal, type SharedStores } from './remote-runs.js';
import type { SharedRunSettings } from './share-run.js';
import { silenceOfOwners } from './takeover-scan.js';

/**
 * For a session whose run lock another instance holds: resolves how to wait for it
 * (`acquireSessionLock`'s `finishing`), or undefined when a run of the session is under way.
 */
export type RemoteLockHolder = (sessionId: string) => Promise<FinishingRun | undefined>;

/**
 * Judges a session's run lock held by another instance. A run that sent its terminal event is
 * being put away: poll until its instance gives the lock back. A lock with no unfinished run
 * recorded belongs to an instance starting one, or to one that died after taking the lock and
 * before recording its run (a crash in that moment). No takeover can find such a run, so the
 * lock would refuse every chat of the session with 409 until the session expired: it is broken
 * once its holder has been silent for as long as the takeover waits for a silent instance
 * (`server.instanceSilentMs`) and the lock is at least that old. A live instance still starting
 * its run, and this instance, keep theirs.
 */
export function createRemoteLockHolder(
  stores: SharedStores,
  shared: SharedRunSettings,
  config: Pick<GatewayServerConfig, 'instanceHeartbeatMs' | 'instanceSilentMs'>,
): RemoteLockHolder {
  const silentMs = silenceOfOwners(shared.leaseMs, config.instanceHeartbeatMs, config.instanceSilentMs);
  const { sessions, runLeases } = stores;

  const breakIfOrphaned = async (sessionId: string): Promise<boolean> => {
    if (sessions.runLockHolder === undefined || sessions.breakRunLock === undefined) return false;
    if (runLeases?.isOwnerSilent === undefined) return false;
    const lock = await sessions.runLockHolder(sessionId);
    if (lock === undefined || lock.holder === shared.leaseOwner) return false;
    if (!(await runLeases.isOwnerSilent(lock.holder, silentMs))) return false;
    return sessions.breakRunLock(sessionId, lock, silentMs);
  };

  return async (sessionId) => {
    const location = await stores.runDirectory.getLatest(sessionId);
    const finished =
      location !== undefined &&
      (location.finished ||
        (await endsWithTerminal(stores, location.runId, await stores.runEvents.lastSeq(location.runId))));
    if (location !== undefined && !finished) return undefined;
    // Broken: the lock is free to be taken again at once.
    if (await breakIfOrphaned(sessionId)) return { settled: Promise.resolve() };
    return finished ? { settled: new Promise((resolve) => setTimeout(resolve, 50)) } : undefined;
  };
}
