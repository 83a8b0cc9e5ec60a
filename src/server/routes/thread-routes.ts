import type { Context } from 'hono';
import type { z } from 'zod';
import type { ThreadOwner } from '../../core/thread-store.js';
import { HttpError } from '../../core/http-error.js';
import { parseBody } from '../http/parse-body.js';
import type { SessionEnv } from '../http/session-middleware.js';
import type { SessionRuns } from '../chat/session-runs.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { BodyRouteHandler, RouteHandler } from '../http/route-handler.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { settledWithin } from '../database/settled-within.js';
import { createTenantThreadList, parseListScope } from './tenant-thread-list.js';
import { tenantKeyOfSession } from '../contracts/session-owner.js';
import {
  CreateThreadBody,
  isPlausibleId,
  parsePageQuery,
  type UpdateThreadBody,
} from '../threads/thread-request-schemas.js';
import {
  approvalToWire,
  messageToWire,
  ownerOfSession,
  runResultToWire,
  runToWire,
  queuedRunToWire,
  threadToWire,
} from '../threads/thread-wire.js';

/** Not found, whoever asks: another owner's thread looks exactly like one that never existed. */
const threadNotFound = (): HttpError => HttpError.detail(404, 'Thread not found');
const runNotFound = (): HttpError => HttpError.detail(404, 'Run not found');

/**
 * How long a read waits for this instance's write of what it reads (a run's end, a thread's new
 * messages), which goes on after the run's stream ended; past it the read answers what is stored.
 */
const PENDING_WRITE_WAIT_MS = 2_000;

/**
 * The owner a route that names a thread or run acts as: the session's, or the other principal
 * of its tenant that `server.authorize` widened it to.
 */
const actingOwnerOf = (c: Context<SessionEnv>): ThreadOwner =>
  c.var.actingOwner ?? ownerOfSession(c.var.session);

/** What the thread routes need (the `threads` area of the route table). */
export interface ThreadRouteContext {
  config: GatewayServerConfig;
  report: (error: unknown, where: string) => void;
  readBody: (request: Request) => Promise<unknown>;
  /** `server.authorize`'s, when set (per-item questions, as for `GET /threads?scope=tenant`). */
  authorizer?: RequestAuthorizer | undefined;
  /** Frees a deleted thread's lock. */
  sessionRuns: Pick<SessionRuns, 'forgetThread'>;
}

/** The handlers of the thread routes. */
export interface ThreadHandlers {
  create: RouteHandler;
  list: RouteHandler;
  get: RouteHandler;
  update: BodyRouteHandler<z.output<typeof UpdateThreadBody>>;
  remove: RouteHandler;
  listRuns: RouteHandler;
  getRun: RouteHandler;
  listRunApprovals: RouteHandler;
}

/**
 * The thread routes (relative to the prefix), behind the session check: `POST /threads`,
 * `GET /threads`, `GET|PATCH|DELETE /threads/:id`, `GET /threads/:id/runs`, `GET /runs/:id`,
 * `GET /runs/:id/approvals`. Every read and write is scoped to the session's owner (its API key
 * and asserted user), or to the owner `server.authorize` widened the request to (another
 * principal of the session's tenant, `c.var.actingOwner`). Without `server.database` each
 * answers 404 `database_not_configured`.
 */
export function createThreadHandlers(context: ThreadRouteContext): ThreadHandlers {
  const { config, report } = context;
  const call = <Result>(run: Parameters<typeof callThreadStore<Result>>[2]): Promise<Result> =>
    callThreadStore(config.database, report, run);
  /** A body that may be left out entirely (`POST /threads` with no fields). */
  /** Lets this instance's writes of a thread (`kind` thread) or of a run land first, briefly. */
  const afterWriteOf = async (kind: 'thread' | 'run', id: string): Promise<void> => {
    const database = config.database;
    if (database === undefined || !isPlausibleId(id)) return;
    await settledWithin(
      kind === 'thread'
        ? database.settled(id)
        : // A running run's start, held back while it is young, is written now.
          Promise.all([database.runStarted(id), database.runEnded(id)]).then(() => undefined),
      PENDING_WRITE_WAIT_MS,
    );
  };
  const readOptionalBody = async (request: Request): Promise<unknown> =>
    request.body === null || request.headers.get('content-length') === '0' ? {} : context.readBody(request);

  const create: RouteHandler = async (c) => {
    const body = parseBody(CreateThreadBody, await readOptionalBody(c.req.raw));
    const owner = ownerOfSession(c.var.session);
    const tenantKey = tenantKeyOfSession(c.var.session);
    const thread = await call((store) =>
      store.createThread(owner, {
        ...(tenantKey === undefined ? {} : { tenantKey }),
        ...(config.database?.maxThreadsPerOwner === undefined
          ? {}
          : { maxThreadsOfOwner: config.database.maxThreadsPerOwner }),
        ...(body.title === undefined ? {} : { title: body.title }),
        ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
      }),
    );
    if (thread === undefined) throw HttpError.detail(409, 'Thread id already taken; retry');
    return c.json(threadToWire(thread), 201);
  };

  const listTenantThreads = createTenantThreadList(context.authorizer);
  const list: RouteHandler = async (c) => {
    const page = parsePageQuery({ limit: c.req.query('limit'), cursor: c.req.query('cursor') });
    const scope = parseListScope(c.req.query('scope'));
    const owner = ownerOfSession(c.var.session);
    const result =
      scope === 'tenant'
        ? await listTenantThreads(c.var.session, page, call)
        : await call((store) => store.listThreads(owner, page));
    return c.json({ threads: result.items.map(threadToWire), next_cursor: result.nextCursor ?? null });
  };

  const get: RouteHandler = async (c) => {
    const id = c.req.param('id');
    const owner = actingOwnerOf(c);
    await afterWriteOf('thread', id);
    const found = await call(async (store) => {
      const thread = isPlausibleId(id) ? await store.getThread(owner, id) : undefined;
      const messages = thread === undefined ? undefined : await store.loadMessages(owner, id);
      return thread === undefined || messages === undefined ? undefined : { thread, messages };
    });
    if (found === undefined) throw threadNotFound();
    return c.json({ ...threadToWire(found.thread), messages: found.messages.map(messageToWire) });
  };

  const update: ThreadHandlers['update'] = async (c, body) => {
    const id = c.req.param('id');
    const owner = actingOwnerOf(c);
    const thread = await call(async (store) =>
      isPlausibleId(id)
        ? store.updateThread(owner, id, {
            ...(body.title === undefined ? {} : { title: body.title }),
            ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
          })
        : undefined,
    );
    if (thread === undefined) throw threadNotFound();
    return c.json(threadToWire(thread));
  };

  const remove: RouteHandler = async (c) => {
    const id = c.req.param('id');
    const owner = actingOwnerOf(c);
    const deleted = await call(async (store) => (isPlausibleId(id) ? store.deleteThread(owner, id) : false));
    if (!deleted) throw threadNotFound();
    // A run still working in the deleted thread writes nothing into it: it keeps no lock on the id.
    await context.sessionRuns
      .forgetThread(id)
      .catch((error: unknown) => report(error, 'thread lock eviction'));
    return c.json({ thread_id: id, deleted: true });
  };

  const listRuns: RouteHandler = async (c) => {
    const id = c.req.param('id');
    const page = parsePageQuery({ limit: c.req.query('limit'), cursor: c.req.query('cursor') });
    const owner = actingOwnerOf(c);
    await afterWriteOf('thread', id);
    const result = await call(async (store) =>
      isPlausibleId(id) ? store.listRuns(owner, id, page) : undefined,
    );
    if (result === undefined) throw threadNotFound();
    return c.json({ runs: result.items.map(runToWire), next_cursor: result.nextCursor ?? null });
  };

  const getRun: RouteHandler = async (c) => {
    const id = c.req.param('id');
    const owner = actingOwnerOf(c);
    await afterWriteOf('run', id);
    // A run enqueued behind its session's run has no run record until it starts.
    const found = await call(async (store, stores) => {
      if (!isPlausibleId(id)) return undefined;
      const [run, background] = await Promise.all([
        store.getRun(owner, id),
        stores.backgroundRuns?.get(owner, id),
      ]);
      if (run !== undefined) return { ...runToWire(run), ...runResultToWire(background) };
      const queued = await stores.queuedRuns?.get(owner, id);
      return queued === undefined ? undefined : queuedRunToWire(queued);
    });
    if (found === undefined) throw runNotFound();
    return c.json(found);
  };

  const listRunApprovals: RouteHandler = async (c) => {
    const id = c.req.param('id');
    const owner = actingOwnerOf(c);
    await afterWriteOf('run', id);
    const approvals = await call(async (store) =>
      isPlausibleId(id) ? store.listApprovals(owner, id) : undefined,
    );
    if (approvals === undefined) throw runNotFound();
    return c.json({ approvals: approvals.map(approvalToWire) });
  };

  return { create, list, get, update, remove, listRuns, getRun, listRunApprovals };
}
