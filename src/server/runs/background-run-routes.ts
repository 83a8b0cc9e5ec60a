import { setBudgetHeaders } from '../contracts/budget-wire.js';
import { HttpError } from '../../core/http-error.js';
import type { RunStatus } from '../../core/thread-store.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { isPlausibleId, parsePageQuery } from '../threads/thread-request-schemas.js';
import { ownerOfSession, queuedRunToWire, runToWire } from '../threads/thread-wire.js';
import type { BackgroundRunRequest } from './background-run-body.js';
import { startBackgroundRun } from './start-background-run.js';
import type { RunQueue } from './run-queue.js';
import type { RunRoutesContext } from './run-routes-context.js';
import type { BodyRouteHandler, RouteHandler } from '../http/route-handler.js';
import { createMemoryQueueBounds } from './queue-bounds.js';
import { defaultQueuedRunsSettings } from '../contracts/queued-runs-option.js';

/** `?status=` of `GET /runs`: a run record's statuses, and `queued` (accepted, not started yet). */
const RUN_STATUSES: ReadonlySet<string> = new Set<RunStatus | 'queued'>([
  'queued',
  'running',
  'suspended',
  'completed',
  'failed',
  'cancelled',
  'budget_exceeded',
]);

const runNotFound = (): HttpError => HttpError.detail(404, 'Run not found');

/** A page of `GET /runs`, its runs as the wire has them. */
interface WirePage {
  runs: Array<Record<string, unknown>>;
  nextCursor?: string | undefined;
}

/** 501 for a `ThreadStore` handed in without the part a route needs. */
const notSupported = (part: string, what: string): HttpError =>
  new HttpError(501, {
    detail: `This ThreadStore cannot ${what} (it has no ${part})`,
    code: 'not_supported',
  });

/** `?status=` checked against the statuses a run can have. */
function parseStatus(status: string | undefined): RunStatus | 'queued' | undefined {
  if (status === undefined || status === '') return undefined;
  if (!RUN_STATUSES.has(status)) {
    throw HttpError.detail(400, `status must be one of ${[...RUN_STATUSES].join(', ')}`);
  }
  return status as RunStatus | 'queued';
}

/**
 * Cancels a run that waits suspended in the database for an answer (no instance runs it): its
 * record becomes `cancelled`, unless an instance claimed it to resume meanwhile (false).
 */
async function cancelSuspended(context: RunRoutesContext, runId: string): Promise<boolean> {
  return callThreadStore(context.config.database, context.report, async (store, stores) => {
    const now = Date.now();
    if (stores.suspendedRuns === undefined || !(await stores.suspendedRuns.cancel(runId, now))) return false;
    await store.recordRunEnd(runId, {
      status: 'cancelled',
      outcomeCode: 'cancelled',
      turns: 0,
      usage: null,
      estimatedCostUsd: null,
      endedAt: now,
    });
    return true;
  });
}

/** The handlers of the background runs' routes. */
export interface BackgroundRunHandlers {
  start: BodyRouteHandler<BackgroundRunRequest>;
  list: RouteHandler;
  cancel: RouteHandler;
}

/**
 * The routes of runs without a chat window (relative to the prefix), behind the session check:
 * `POST /runs` starts a background run and answers 202 `{ run_id, thread_id, status }` at once
 * (followed with `GET /chat/stream`, read with `GET /runs/:id`, its approvals answered with
 * `POST /chat/tool-approval`, all in the same session); `GET /runs?thread_id=&status=` lists
 * the caller's runs, newest first, with a cursor (needs `server.database`);
 * `POST /runs/:id/cancel` cancels one of the caller's runs wherever it runs, while it waits
 * suspended in the database for an approval, or while it waits in the database's queue for its
 * session (it then never starts). An enqueued run waits in `options.queuedRuns` when given.
 */
export function createBackgroundRunHandlers(
  context: RunRoutesContext,
  options: { queuedRuns?: RunQueue | undefined } = {},
): BackgroundRunHandlers {
  const { config, report, sessionRuns } = context;
  const memoryQueue = createMemoryQueueBounds(config.queuedRuns ?? defaultQueuedRunsSettings);

  const start: BackgroundRunHandlers['start'] = async (c, request) => {
    const started = await startBackgroundRun({
      context,
      session: c.var.session,
      request,
      ...(options.queuedRuns === undefined ? {} : { queuedRuns: options.queuedRuns }),
      memoryQueue,
    });
    const response = c.json(
      { run_id: started.runId, thread_id: started.threadId, status: started.status },
      202,
    );
    setBudgetHeaders(response.headers, started.budgetStanding);
    return response;
  };

  const list: RouteHandler = async (c) => {
    const page = parsePageQuery({ limit: c.req.query('limit'), cursor: c.req.query('cursor') });
    const threadId = c.req.query('thread_id');
    const status = parseStatus(c.req.query('status'));
    const owner = ownerOfSession(c.var.session);
    const listed = await callThreadStore(
      config.database,
      report,
      async (_store, stores): Promise<WirePage> => {
        const hasThread = threadId !== undefined && threadId !== '';
        if (hasThread && !isPlausibleId(threadId)) return { runs: [] };
        const byThread = hasThread ? { threadId } : {};
        if (status === 'queued') {
          // Accepted (`multitask: 'enqueue'`) and waiting for their session: no run record yet.
          const queued = stores.queuedRuns;
          if (queued === undefined) throw notSupported('queuedRuns', 'list queued runs');
          const found = await queued.listForOwner(owner, byThread, page);
          return { runs: found.items.map(queuedRunToWire), nextCursor: found.nextCursor };
        }
        if (stores.backgroundRuns === undefined) throw notSupported('backgroundRuns', 'list runs by owner');
        const found = await stores.backgroundRuns.listRuns(
          owner,
          { ...byThread, ...(status === undefined ? {} : { status }) },
          page,
        );
        return { runs: found.items.map(runToWire), nextCursor: found.nextCursor };
      },
    );
    return c.json({ runs: listed.runs, next_cursor: listed.nextCursor ?? null });
  };

  const cancel: RouteHandler = async (c) => {
    const runId = c.req.param('id');
    const session = c.var.session;
    if (!isPlausibleId(runId)) throw runNotFound();
    // The caller's own session first (no database needed), else the session the background
    // run was started in, which only its owner can learn.
    const own = await sessionRuns.locate(session.sessionId);
    let sessionId: string | undefined = own?.runId === runId && !own.finished ? session.sessionId : undefined;
    if (sessionId === undefined && config.database?.configured === true) {
      const owner = ownerOfSession(session);
      const found = await callThreadStore(config.database, report, async (store, stores) => {
        const record = await store.getRun(owner, runId);
        return {
          background: await stores.backgroundRuns?.get(owner, runId),
          record,
          // A run that waits in the queue has no run record: taken out of it, it never starts.
          dequeued: record === undefined && (await stores.queuedRuns?.cancel(owner, runId)) === true,
        };
      });
      if (found.dequeued) return c.json({ run_id: runId, status: 'cancelled' });
      if (found.background === undefined && found.record === undefined) throw runNotFound();
      if (found.record?.status === 'suspended' && (await cancelSuspended(context, runId))) {
        return c.json({ run_id: runId, status: 'cancelled' });
      }
      sessionId = found.background?.sessionId;
      if (sessionId === undefined || found.record?.status !== 'running') {
        throw new HttpError(409, {
          detail: `Run ${runId} is not running (${found.record?.status ?? 'unknown'}); only a running run can be cancelled`,
          code: 'run_not_running',
          status: found.record?.status ?? null,
        });
      }
    }
    if (sessionId === undefined) throw runNotFound();
    const located = await sessionRuns.locate(sessionId);
    if (located?.runId !== runId || located.finished) {
      throw new HttpError(409, {
        detail: `Run ${runId} is not running; only a running run can be cancelled`,
        code: 'run_not_running',
        status: null,
      });
    }
    await context.cancelRun({ ...session, sessionId });
    return c.json({ run_id: runId, status: 'cancelled' });
  };

  return { start, list, cancel };
}
