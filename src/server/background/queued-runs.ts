import { HttpError } from '../../core/http-error.js';
import type { QueueBoundReached, QueuedRunRecord, QueuedRunStore } from '../../core/queued-run-store.js';
import { defaultQueuedRunsSettings } from '../contracts/queued-runs-option.js';
import { queueFullError } from '../runs/queue-bounds.js';
import {
  mayStartRun,
  ownerNoLongerAccepted,
  queuedRunForbidden,
  type OwnerInvalidity,
} from '../runs/may-start-run.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { startWithMultitask } from '../chat/start-with-multitask.js';
import { isStoreUnavailable } from '../database/write-retries.js';
import { storeUnavailable } from '../threads/call-thread-store.js';
import { ownerOfSession } from '../threads/thread-wire.js';
import { BackgroundRunBody, backgroundRunToBody } from '../runs/background-run-body.js';
import { backgroundRunParts } from '../runs/start-background-run.js';
import { ownerSession } from '../sessions/owner-session.js';
import type { QueuedRunToStart, RunQueue } from '../runs/run-queue.js';
import type { RunStarter } from '../runs/run-starter.js';
import { isSharedStores } from '../chat/remote-runs.js';
import { createPoller } from './poller.js';
import { ChurnMap } from '../../core/churn-map.js';
import { keepUntilRunEnds } from '../chat/run-id-reservations.js';

/** A refusal that passes: the database is down, or the gateway at its caps. */
const isTransient = (error: unknown): boolean =>
  (error instanceof HttpError && (error.status === 503 || error.status === 429)) || isStoreUnavailable(error);

/** Most lapsed queued runs one scan claims. */
const CLAIMS_PER_SCAN = 10;

/**
 * This instance's share of the database's queue of enqueued runs (`multitask: 'enqueue'` while
 * the session's run works): the runs it accepted, and those it took over from an instance that
 * stopped renewing its claims.
 */
export interface QueuedRuns extends RunQueue {
  /** Starts the scan for queued runs whose instance stopped renewing them. */
  start(): void;
  /** Stops the scan and every wait (their claims then lapse, for another instance); idempotent. */
  close(): Promise<void>;
}

/** Options of `createQueuedRuns`. */
export interface QueuedRunsOptions {
  context: RunStarter;
  /** This instance's claimer id, unique per app. */
  claimer: string;
  /** How long a claim lasts without renewal, in ms; renewed and scanned every third of it. */
  leaseMs: number;
  /** True once the app closes: from then on no queued run starts here (another instance's scan takes it). */
  isClosing: () => boolean;
  /** Why a run's owner would no longer be accepted: the run is dropped, its record saying why. */
  ownerInvalidity?: OwnerInvalidity;
}

/**
 * Thrown from a queued run's start when this instance does not start it: it left the queue
 * (cancelled, or another instance took it), or this instance closes.
 */
class StartAbandoned extends Error {}

/**
 * Keeps enqueued runs in the database while they wait, so that they outlive this instance. A
 * waiting run's claim is renewed every third of the lease; a renewal that finds the claim gone
 * stops the wait. Once the session's lock is held, the run starts only if it is the oldest
 * queued run of its session (else it waits on: runs start in queue order) and this instance
 * still holds it (`started` takes it out of the queue); otherwise the start is abandoned (the
 * lock is given back). The scan claims the runs whose claim lapsed and waits with them the same
 * way, without queuing them again; a run whose session is gone is dropped, and reported.
 */
export function createQueuedRuns(options: QueuedRunsOptions): QueuedRuns {
  const { context, claimer, leaseMs, isClosing } = options;
  const { config, report } = context;
  const closing = new AbortController();
  const store = (): QueuedRunStore | undefined => config.database?.current()?.queuedRuns;
  /** The runs this instance waits with, by id: a run is waited with once here. */
  const waiting = new ChurnMap<string, Promise<void>>();
  let lastQueuedAt = 0;

  const waitAndStart = async (queue: QueuedRunStore, run: QueuedRunToStart): Promise<void> => {
    const { session, request, runId } = run;
    // Its id stays taken while it waits here: drawn where it was accepted, held again where it
    // was taken over (a fire's id is derived, and held by no one).
    const holding =
      run.reservation ??
      (run.scheduleId === undefined ? context.sessionRuns.runIds.hold(runId, session.sessionId) : undefined);
    const reservation = holding instanceof Promise ? await holding : holding;
    const lost = new AbortController();
    const signal = AbortSignal.any([closing.signal, lost.signal]);
    const renew = async (): Promise<void> => {
      try {
        if (!(await queue.renew(runId, claimer, leaseMs, Date.now()))) lost.abort();
      } catch (error) {
        // The claim may lapse meanwhile: whoever starts the run must still hold it.
        report(error, 'queued run renewal');
      }
    };
    const renewal = setInterval(() => void renew(), leaseMs / 3);
    renewal.unref();
    const parts = backgroundRunParts({
      context,
      session,
      request,
      ...(run.scheduleId === undefined ? {} : { scheduleId: run.scheduleId }),
    });
    /** Whether the run left the queue to start here, and whether it started. */
    let left = false;
    let started = false;
    const prepare = async (): Promise<ChatRunRequest> => {
      // Closing: the runs are drained, a run started now would be cut short. It waits on until
      // close gives its claim up, and another instance starts it.
      if (isClosing()) throw HttpError.detail(409, 'The gateway closes: another instance starts this run');
      const queued = await queue.listForSession(run.queuedInSession ?? session.sessionId);
      if (!queued.some((entry) => entry.runId === runId)) throw new StartAbandoned(runId);
      if (queued[0]?.runId !== runId) {
        throw HttpError.detail(409, 'An earlier queued run of this session starts first');
      }
      const invalidity = options.ownerInvalidity?.(session);
      if (invalidity !== undefined) throw ownerNoLongerAccepted(invalidity);
      // It acts as its session's principal, asked again now that it starts.
      if (!(await mayStartRun(context, session))) throw queuedRunForbidden();
      // Its thread read first: should that fail for a while (the database), the run stays queued.
      const prepared = await parts.prepare();
      if (!(await queue.started(runId, claimer))) throw new StartAbandoned(runId);
      left = true;
      return prepared;
    };
    try {
      const outcome = await startWithMultitask({
        context,
        session,
        strategy: 'enqueue',
        messages: request.messages,
        prepare,
        signal,
        runId,
        ...(request.threadId === undefined ? {} : { threadId: request.threadId }),
      });
      if (outcome.status === 'started') {
        started = true;
        if (reservation !== undefined) keepUntilRunEnds(outcome.run, reservation);
        await parts.recordStarted(outcome.run);
      }
    } catch (error) {
      if (started) return;
      // Not started here: still queued (for another instance, or a later scan of this one), or
      // gone from the queue at another's hands. The id stays taken in the shared store.
      if (error instanceof StartAbandoned || (signal.aborted && !left)) return reservation?.standDown();
      report(error, 'queued run');
      // Still queued, and refused for a while (the database, the gateway's caps): it waits on,
      // and starts once its claim lapsed and a scan took it again. Any other refusal ends it.
      if (!left && isTransient(error)) return reservation?.standDown();
      if (!left && !(await queue.started(runId, claimer).catch(() => false))) return reservation?.standDown();
      await parts.recordFailedStart(runId, error);
      // It ended as a failed start, recorded under its id: the id is given back.
      await reservation?.release();
    } finally {
      clearInterval(renewal);
    }
  };

  const wait = (queue: QueuedRunStore, run: QueuedRunToStart): void => {
    if (waiting.has(run.runId)) return;
    const waited = waitAndStart(queue, run).finally(() => waiting.delete(run.runId));
    waiting.set(run.runId, waited);
  };

  /** A claimed run of another instance (or of this one before a restart): its session and request. */
  const takeOver = async (queue: QueuedRunStore, record: QueuedRunRecord): Promise<void> => {
    const parsed = BackgroundRunBody.safeParse(record.request);
    if (!parsed.success) {
      await queue.started(record.runId, claimer);
      report(new Error(`Queued run ${record.runId} was dropped: its request is invalid`), 'queued run');
      return;
    }
    const session = await sessionOfRecord(context, record);
    if (session === undefined) {
      await queue.started(record.runId, claimer);
      report(
        new Error(
          `Queued run ${record.runId} was dropped: its session ${record.sessionId} expired or was deleted`,
        ),
        'queued run',
      );
      return;
    }
    wait(queue, {
      session,
      request: parsed.data,
      runId: record.runId,
      ...(record.scheduleId === null ? {} : { scheduleId: record.scheduleId }),
      ...(session.sessionId === record.sessionId ? {} : { queuedInSession: record.sessionId }),
    });
  };

  const scan = async (signal: AbortSignal): Promise<void> => {
    const queue = store();
    if (queue === undefined || signal.aborted || isClosing()) return;
    const claimed = await queue.claimLapsed(claimer, leaseMs, Date.now(), CLAIMS_PER_SCAN);
    for (const record of claimed) {
      if (signal.aborted) return;
      await takeOver(queue, record).catch((error: unknown) => report(error, 'queued run'));
    }
  };
  // Every third of the lease: a run whose claim lapsed waits at most that long for a taker.
  const scanner = createPoller({ name: 'queued run scan', tick: scan, report, intervalMs: leaseMs / 3 });

  return {
    durable: () => store() !== undefined,
    async enqueue(run) {
      const queue = store();
      if (queue === undefined) throw new Error('enqueue needs a database that keeps queued runs');
      // Strictly increasing here, so that two runs this instance queues in one millisecond
      // keep their order.
      const now = Math.max(Date.now(), lastQueuedAt + 1);
      lastQueuedAt = now;
      const bounds = config.queuedRuns ?? defaultQueuedRunsSettings;
      let reached: QueueBoundReached | undefined;
      try {
        reached = await queue.enqueue(
          {
            runId: run.runId,
            owner: ownerOfSession(run.session),
            sessionId: run.session.sessionId,
            threadId: run.request.threadId ?? null,
            scheduleId: run.scheduleId ?? null,
            request: backgroundRunToBody(run.request),
            queuedAt: now,
          },
          claimer,
          leaseMs,
          now,
          bounds,
        );
      } catch (error) {
        report(error, 'database');
        throw storeUnavailable(error);
      }
      if (reached !== undefined) throw queueFullError(reached, bounds);
      wait(queue, run);
    },
    start() {
      if (!closing.signal.aborted) scanner.start();
    },
    async close() {
      closing.abort();
      await scanner.close();
      const runIds = [...waiting.keys()];
      await Promise.allSettled([...waiting.values()]);
      // Given up rather than left to lapse: another instance starts them at its next scan.
      const queue = store();
      if (queue === undefined) return;
      await Promise.allSettled(
        runIds.map((runId) =>
          queue.release(runId, claimer).catch((error: unknown) => report(error, 'queued run release')),
        ),
      );
    },
  };
}

/**
 * The session a claimed run starts in: the one it was queued in, else (a restart with sessions
 * in memory forgot it) a new session of its owner, stored, so the run keeps its owner. Shared
 * stores (Redis) outlive a restart: a session they no longer hold expired or was deleted, and
 * its queued runs are dropped (undefined).
 */
async function sessionOfRecord(
  context: RunStarter,
  record: QueuedRunRecord,
): Promise<SessionRecord | undefined> {
  const kept = await context.stores.sessions.get(record.sessionId);
  if (kept !== undefined) return kept;
  if (isSharedStores(context.stores)) return undefined;
  const nowSeconds = Date.now() / 1000;
  const standIn = ownerSession(
    record.owner,
    record.sessionId,
    nowSeconds,
    context.config.sessionTtlMs / 1000,
  );
  const stored = await context.stores.sessions.get(standIn.sessionId);
  if (stored !== undefined && stored.expiresAt > nowSeconds) return stored;
  await context.stores.sessions.create(standIn);
  return standIn;
}
