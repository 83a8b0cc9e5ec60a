import { randomBytes } from 'node:crypto';
import { HttpError } from '../../core/http-error.js';
import type {
  ScheduleFireRecord,
  ScheduleRecord,
  SchedulePatch,
  ScheduleStore,
} from '../../core/schedule-store.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ThreadOwner, ThreadStore } from '../../core/thread-store.js';
import type { BodyRouteHandler, RouteHandler } from '../http/route-handler.js';
import type { RunRoutesContext } from '../runs/run-routes-context.js';
import { webhookTargetOf } from '../runs/webhook-target-of.js';
import { defaultWebhooksSettings } from '../contracts/webhooks-option.js';
import { defaultSchedulesSettings, type SchedulesSettings } from '../contracts/schedules-option.js';
import { isSessionOwnerId } from '../contracts/session-owner.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { isPlausibleId, parsePageQuery } from '../threads/thread-request-schemas.js';
import { ownerOfSession } from '../threads/thread-wire.js';
import { cronProblem, nextFireTime, shortestGapMs } from './next-fire-time.js';
import type { CreateScheduleBody, UpdateScheduleBody } from './schedule-body.js';

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A schedule as the routes answer it (its webhook's URL, never its secret). */
export const scheduleToWire = (schedule: ScheduleRecord): Record<string, unknown> => ({
  schedule_id: schedule.id,
  cron: schedule.cron,
  timezone: schedule.timezone,
  thread_id: schedule.threadId,
  new_thread_each_time: schedule.newThreadEachTime,
  message: schedule.message,
  enabled: schedule.enabled,
  end_at: isoOrNull(schedule.endAt),
  next_fire_at: isoOrNull(schedule.enabled ? schedule.nextFireAt : null),
  last_fired_at: isoOrNull(schedule.lastFiredAt),
  metadata: schedule.metadata,
  webhook: schedule.webhook === undefined ? null : { url: schedule.webhook.url },
  created_at: new Date(schedule.createdAt).toISOString(),
  updated_at: new Date(schedule.updatedAt).toISOString(),
});

/** A fire as `GET /schedules/:id/fires` answers it. */
export const fireToWire = (fire: ScheduleFireRecord): Record<string, unknown> => ({
  due_at: new Date(fire.dueAt).toISOString(),
  status: fire.status,
  run_id: fire.runId,
  claimed_by: fire.claimedBy,
  claimed_at: new Date(fire.claimedAt).toISOString(),
  fired_at: isoOrNull(fire.firedAt),
  error: fire.error,
  failed_starts: fire.failedStarts,
});

const scheduleNotFound = (): HttpError => HttpError.detail(404, 'Schedule not found');

const checkCron = (cron: string, timezone: string): void => {
  const problem = cronProblem(cron, timezone);
  if (problem !== undefined) throw new HttpError(422, { detail: problem, code: 'invalid_schedule' });
};

/** 422 `schedule_too_frequent` for a cron whose fires come closer than `minIntervalMs`. */
const checkInterval = (cron: string, timezone: string, settings: SchedulesSettings, at: number): void => {
  const gap = shortestGapMs(cron, timezone, at);
  if (gap === undefined || gap >= settings.minIntervalMs) return;
  throw new HttpError(422, {
    detail:
      `cron ${JSON.stringify(cron)} fires ${gap / 1000}s apart; schedules fire at most once per ` +
      `${settings.minIntervalMs / 1000}s (server.schedules.minIntervalMs ${settings.minIntervalMs})`,
    code: 'schedule_too_frequent',
  });
};

/**
 * What a schedule of `session`'s owner acts as: its principal, and, for an anonymous session
 * (which owns its things itself), when it expires, after which nobody reaches the schedule.
 */
export const actingAsOf = (session: SessionRecord): Pick<ScheduleRecord, 'principal' | 'ownerExpiresAt'> => {
  const user = ownerOfSession(session).user;
  const { principal } = session;
  return {
    // A principal from a token made before `issuedAt` existed dates from its session's opening.
    ...(principal === undefined ? {} : { principal: { issuedAt: session.createdAt, ...principal } }),
    ...(user !== undefined && isSessionOwnerId(user) ? { ownerExpiresAt: session.expiresAt * 1000 } : {}),
  };
};

/** Options of `createScheduleHandlers`. */
export interface ScheduleRoutesOptions {
  /** Told the first fire time of a schedule created, enabled or re-timed (wakes the firers). */
  scheduleDue?: ((dueAt: number) => void) | undefined;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/** The handlers of the schedules' routes. */
export interface ScheduleHandlers {
  create: BodyRouteHandler<CreateScheduleBody>;
  list: RouteHandler;
  get: RouteHandler;
  listFires: RouteHandler;
  update: BodyRouteHandler<UpdateScheduleBody>;
  remove: RouteHandler;
}

/**
 * `POST /schedules`, `GET /schedules`, `GET|PATCH|DELETE /schedules/:id`, `GET
 * /schedules/:id/fires` (relative to the
 * prefix), behind the session check and scoped to the session's owner like threads; cron and
 * time zone checked with croner (422 `invalid_schedule`). Needs `server.database` (404
 * `database_not_configured` otherwise).
 */
export function createScheduleHandlers(
  context: RunRoutesContext,
  options: ScheduleRoutesOptions = {},
): ScheduleHandlers {
  const { config, report } = context;
  const now = options.now ?? Date.now;
  /** A schedule that fires from now on wakes the firers for its first fire. */
  const firesFrom = (schedule: Pick<ScheduleRecord, 'enabled' | 'nextFireAt'>): void => {
    if (schedule.enabled && schedule.nextFireAt !== null) options.scheduleDue?.(schedule.nextFireAt);
  };
  const settings = config.schedules ?? defaultSchedulesSettings;
  const call = <Result>(
    run: (store: ScheduleStore, threads: ThreadStore) => Promise<Result>,
  ): Promise<Result> =>
    callThreadStore(config.database, report, async (store, stores) => {
      if (stores.schedules === undefined) {
        throw new HttpError(501, { detail: 'This ThreadStore has no schedules', code: 'not_supported' });
      }
      return run(stores.schedules, store);
    });

  // The owner authenticated again: its schedules act as the principal it carries now.
  const refreshActingAs = (session: SessionRecord): Promise<void> =>
    call((store) => {
      const actingAs = actingAsOf(session);
      return store.refreshPrincipal(ownerOfSession(session), actingAs.principal, actingAs.ownerExpiresAt);
    });
  /** The session's owner, once its schedules act as what the session carries. */
  const ownerRefreshed = async (session: SessionRecord): Promise<ThreadOwner> => {
    await refreshActingAs(session);
    return ownerOfSession(session);
  };

  const create: ScheduleHandlers['create'] = async (c, body) => {
    checkCron(body.cron, body.timezone);
    checkInterval(body.cron, body.timezone, settings, now());
    const webhook = webhookTargetOf(body.webhook, config.webhooks ?? defaultWebhooksSettings, true);
    const at = now();
    const endAt = body.end_at ?? null;
    const schedule: ScheduleRecord = {
      id: `sch_${randomBytes(16).toString('hex')}`,
      owner: await ownerRefreshed(c.var.session),
      cron: body.cron,
      timezone: body.timezone,
      threadId: body.thread_id ?? null,
      newThreadEachTime: body.new_thread_each_time,
      message: body.message,
      metadata: body.metadata ?? {},
      ...(webhook === undefined || body.webhook === undefined ? {} : { webhook }),
      enabled: body.enabled,
      endAt,
      nextFireAt: nextFireTime(body.cron, body.timezone, at, endAt),
      lastFiredAt: null,
      createdAt: at,
      updatedAt: at,
      ...actingAsOf(c.var.session),
    };
    if (!(await call((store) => store.createWithin(schedule, settings.maxPerOwner)))) {
      throw new HttpError(422, {
        detail:
          `This owner keeps ${settings.maxPerOwner} schedules already ` +
          `(server.schedules.maxPerOwner ${settings.maxPerOwner}); delete one first`,
        code: 'schedule_limit_reached',
      });
    }
    firesFrom(schedule);
    return c.json(scheduleToWire(schedule), 201);
  };

  const list: RouteHandler = async (c) => {
    const page = parsePageQuery({ limit: c.req.query('limit'), cursor: c.req.query('cursor') });
    const owner = await ownerRefreshed(c.var.session);
    const result = await call((store) => store.list(owner, page));
    return c.json({ schedules: result.items.map(scheduleToWire), next_cursor: result.nextCursor ?? null });
  };

  const get: RouteHandler = async (c) => {
    const id = c.req.param('id');
    const owner = await ownerRefreshed(c.var.session);
    const found = await call(async (store) => (isPlausibleId(id) ? store.get(owner, id) : undefined));
    if (found === undefined) throw scheduleNotFound();
    return c.json(scheduleToWire(found));
  };

  const listFires: RouteHandler = async (c) => {
    const id = c.req.param('id');
    const page = parsePageQuery({ limit: c.req.query('limit'), cursor: c.req.query('cursor') });
    const owner = await ownerRefreshed(c.var.session);
    const found = await call(async (store) =>
      isPlausibleId(id) ? store.listFires(owner, id, page) : undefined,
    );
    if (found === undefined) throw scheduleNotFound();
    return c.json({ fires: found.items.map(fireToWire), next_cursor: found.nextCursor ?? null });
  };

  const update: ScheduleHandlers['update'] = async (c, body) => {
    const id = c.req.param('id');
    const owner = await ownerRefreshed(c.var.session);
    const updated = await call(async (store) => {
      const found = isPlausibleId(id) ? await store.get(owner, id) : undefined;
      if (found === undefined) return undefined;
      const cron = body.cron ?? found.cron;
      const timezone = body.timezone ?? found.timezone;
      checkCron(cron, timezone);
      if (body.cron !== undefined || body.timezone !== undefined)
        checkInterval(cron, timezone, settings, now());
      const endAt = body.end_at === undefined ? found.endAt : body.end_at;
      const patch: SchedulePatch = {
        cron,
        timezone,
        endAt,
        // A new cron, zone or end (or enabling) counts from now: no fire is made up for.
        nextFireAt: nextFireTime(cron, timezone, now(), endAt),
        ...(body.thread_id === undefined ? {} : { threadId: body.thread_id }),
        ...(body.new_thread_each_time === undefined ? {} : { newThreadEachTime: body.new_thread_each_time }),
        ...(body.message === undefined ? {} : { message: body.message }),
        ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
        ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
      };
      return store.update(owner, id, patch, now());
    });
    if (updated === undefined) throw scheduleNotFound();
    firesFrom(updated);
    return c.json(scheduleToWire(updated));
  };

  const remove: RouteHandler = async (c) => {
    const id = c.req.param('id');
    const owner = await ownerRefreshed(c.var.session);
    const deleted = await call(async (store) => (isPlausibleId(id) ? store.delete(owner, id) : false));
    if (!deleted) throw scheduleNotFound();
    return c.json({ schedule_id: id, deleted: true });
  };

  return { create, list, get, listFires, update, remove };
}
