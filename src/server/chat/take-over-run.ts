import { isTerminalEvent } from '../../core/events.js';
import type { ClaimedRun, RunLeaseStore } from '../../core/run-takeover.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { ChatRunRequest } from '../contracts/request-schemas.js';
import type { GatewayMetrics } from '../metrics/create-gateway-metrics.js';
import { markTakenFromDatabase } from '../pending-answers/mark-taken-from-database.js';
import { keptAnswersOfRun } from '../pending-answers/kept-answers-of-run.js';
import { ChatRunLifecycle } from './chat-run.js';
import { keepRunLease } from './keep-run-lease.js';
import type { RegisterRunDependencies } from './register-run.js';
import { sharedLogEntry, type SharedStores } from './remote-runs.js';
import type { SharedRunSettings } from './share-run.js';
import { startChatRun } from './start-chat-run.js';
import { startTakeoverScan, type TakeoverScan } from './takeover-scan.js';
import type { SuspendedRuns } from '../pending-answers/suspended-runs.js';
import type { SessionValidity } from '../sessions/session-validity.js';
import type { SessionRuns } from './session-runs.js';
import { recordUnacceptedOwnerEnd } from './unaccepted-owner-end.js';

/** What taking runs over needs from the app. */
export interface TakeOverRunsOptions extends Omit<RegisterRunDependencies, 'shared'> {
  config: GatewayServerConfig;
  stores: SharedStores & { runLeases: RunLeaseStore };
  settings: SharedRunSettings;
  /** Models a run may use (empty: any). */
  allowedModels: ReadonlySet<string>;
  /** The app's metrics, once `start()` has created them. */
  metrics: () => GatewayMetrics | undefined;
  /** The app's suspended runs: a run taken over and suspended resumes through them once it let go. */
  suspendedRuns?: Pick<SuspendedRuns, 'resumeIfAnswered'> | undefined;
  /**
   * Why the run's owner would no longer be accepted here (its API key removed from
   * `validApiKeys`, its identity provider replaced), or undefined: such a run is not continued.
   */
  ownerInvalidity?: SessionValidity['invalidityOf'] | undefined;
  /**
   * Where a run taken over takes its thread's lock again, under the holder it had where it
   * started, so that no other run writes the thread while it goes on here.
   */
  threadLocks?: Pick<SessionRuns, 'retakeThreadLock'> | undefined;
}

/**
 * Takes over, for as long as the app runs, the runs whose instance died: starts the heartbeat
 * and takeover scan (`startTakeoverScan`) with the app's settings, and continues each run it
 * claims here (`takeOverRun`). After a possible silence of this instance, its own runs check
 * their leases at once.
 */
export function takeOverRuns(options: TakeOverRunsOptions): TakeoverScan {
  const { config, stores, settings, report } = options;
  return startTakeoverScan({
    leases: stores.runLeases,
    bus: stores.bus,
    owner: settings.leaseOwner,
    leaseMs: settings.leaseMs,
    heartbeatMs: config.instanceHeartbeatMs,
    ...(config.instanceSilentMs === undefined ? {} : { silentOwnerMs: config.instanceSilentMs }),
    onSilenceEnded: () => {
      for (const keeper of settings.leaseKeepers) keeper.renewNow();
    },
    report,
    takeOver: (claimed) => takeOverRun(claimed, options),
  });
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Continues, on this instance, a run whose lease this instance just claimed: the same run id,
 * its event sequence going on after the last entry in the shared log, its history from the
 * last checkpoint; logged and counted in the metrics. When the run cannot go on (it had in fact
 * finished, its session expired, its request or model is no longer accepted, the runtime cannot
 * be built) it is closed instead, with an `error` event naming the reason when it had not
 * ended, so no follower waits forever.
 */
async function takeOverRun(claimed: ClaimedRun, options: TakeOverRunsOptions): Promise<void> {
  const { config, stores, settings, report } = options;
  const { record, checkpoint, epoch } = claimed;
  const { runId, sessionId } = record;
  config.logger.info('run taken over', { runId, sessionId });
  // The run is `starting` from its claim on: a lease lost meanwhile makes it `lost`.
  const run = new ChatRunLifecycle({ runId, sessionId, report });
  try {
    // The claim gave a fresh lease; keep it while the runtime is built (an MCP connect may take
    // a while), until the run's own renewal takes over.
    const interim = keepRunLease({
      leases: stores.runLeases,
      record,
      owner: settings.leaseOwner,
      epoch,
      leaseMs: settings.leaseMs,
      onLost: () => run.lose(),
      report,
      keepers: settings.leaseKeepers,
    });
    try {
      await continueHere();
    } finally {
      interim.stop();
      // A run that did not launch ends here (ignored for one that did).
      run.giveUp();
    }
    options.metrics()?.recordTakeover('resumed');
  } catch (error) {
    options.metrics()?.recordTakeover('failed');
    throw error;
  }

  async function continueHere(): Promise<void> {
    const afterSeq = await stores.runEvents.lastSeq(runId);

    /** Ends the run here without running it: terminal event (unless written), retention, lock. */
    const close = async (reason: string | undefined): Promise<void> => {
      // Another instance holds the run now: everything below is its to do.
      if (run.state === 'lost' || !(await stores.runLeases.holds(runId, epoch))) return;
      if (reason !== undefined) {
        const appended = await stores.runEvents.append(
          runId,
          [{ seq: afterSeq + 1, event: { type: 'error', error: reason } }],
          { epoch },
        );
        if (!appended) return;
      }
      await stores.runEvents.expire(runId, settings.retentionMs);
      await stores.runDirectory.markFinished(sessionId, runId, settings.retentionMs);
      // The lock is the session's, not the run's: leave it when a newer run of the session exists.
      const latest = await stores.runDirectory.getLatest(sessionId);
      if (latest === undefined || latest.runId === runId) await stores.sessions.releaseRunLock(sessionId);
      await stores.runLeases.end(runId, epoch);
    };

    const last = await sharedLogEntry(stores, runId, afterSeq);
    // Its instance wrote the end and died before letting go of the lease.
    if (last !== undefined && isTerminalEvent(last.event)) return close(undefined);

    const body = ChatRunRequest.safeParse(record.request);
    if (!body.success) return close('The chat could not be continued: its stored request is invalid.');
    const session = await stores.sessions.get(sessionId);
    if (session === undefined || session.expiresAt <= Date.now() / 1000) {
      return close('The chat could not be continued: its session expired.');
    }
    // A run handed over (or orphaned) acts for its owner as a queued run does: an owner this
    // instance no longer accepts stops it, recorded `owner_no_longer_accepted`.
    const invalidity = options.ownerInvalidity?.(session);
    if (invalidity !== undefined) {
      await recordUnacceptedOwnerEnd({ config, run: record, session, request: body.data, report });
      return close(`The chat could not be continued: its owner is no longer accepted (${invalidity}).`);
    }
    // Pending answers of the dead instance can no longer be answered there; the run asks again,
    // unless their answer was acknowledged already (kept in the database).
    if (run.state === 'lost' || !(await stores.runLeases.holds(runId, epoch))) return;
    await stores.pendingAnswers.deletePendingOfRun(sessionId, runId);
    const kept = await keptAnswersOfRun({ config, runId, checkpoint, report });

    // The thread's lock the run held where it started, renewed here; another run took the
    // thread once that lock lapsed: this one stops rather than write beside it.
    const threadId = body.data.thread_id;
    const threadLock =
      threadId === undefined
        ? undefined
        : await options.threadLocks?.retakeThreadLock(threadId, { runId, sessionId });
    if (threadId !== undefined && options.threadLocks !== undefined && threadLock === undefined) {
      return close('The chat could not be continued: another run took its thread meanwhile.');
    }
    // Not refused (the run was admitted where it started), but counted; the slot's member is
    // the run id, so the slot the dead instance held is the one renewed here.
    const slot = await options.caps.admit(
      { runId, sessionId, apiKeyHash: session.apiKeyHash },
      { force: true },
    );
    const outcome = await startChatRun({
      threadLock,
      slot,
      config,
      stores,
      session,
      body: body.data,
      allowedModels: options.allowedModels,
      run,
      shared: settings,
      continuation: {
        epoch,
        afterSeq,
        checkpoint: kept?.checkpoint ?? checkpoint,
        ...(kept === undefined ? {} : { answers: kept.answers }),
      },
      registration: { ...options, shared: true },
      suspendedRuns: options.suspendedRuns,
    });
    if (outcome.status === 'started' && kept !== undefined) {
      // The instances that acknowledged these answers may still be publishing them: tell them
      // the run has them (their claims are re-stamped), so that they stop.
      const calls = [...kept.answers.keys()].map((toolCallId) => ({ sessionId, runId, toolCallId }));
      await markTakenFromDatabase(stores.pendingAnswers, calls).catch((error: unknown) =>
        report(error, `marking the answers kept for run ${runId} as received`),
      );
    }
    if (outcome.status !== 'started') await Promise.all([slot.release(), threadLock?.release()]);
    if (outcome.status === 'modelNotAllowed') {
      return close(`The chat could not be continued: model ${outcome.model ?? '(none)'} is not allowed.`);
    }
    if (outcome.status === 'failed') {
      report(outcome.error, `takeover of run ${runId}`);
      return close(`The chat could not be continued on another instance: ${messageOf(outcome.error)}`);
    }
  }
}
