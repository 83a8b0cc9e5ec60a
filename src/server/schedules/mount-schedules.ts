import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import type { SessionEnv } from '../http/session-middleware.js';
import type { ProtocolRouteContext } from '../protocols/protocol-route-context.js';
import { defaultSchedulesSettings } from '../contracts/schedules-option.js';
import { createScheduleFirer } from './schedule-firer.js';
import { createScheduleRoutes } from './schedule-routes.js';
import { startScheduledRun } from './start-scheduled-run.js';

/** What `mountSchedules` needs besides the routes' context. */
export interface MountSchedulesOptions {
  isClosing: () => boolean;
  /** Counts a fire as one request of its owner's API key (`server.rateLimit`). */
  countRequest?: (apiKeyHash: string) => Promise<void>;
  onClose: (close: () => void) => void;
}

/**
 * The `/schedules` routes, and this instance's schedule firer: its rounds do nothing until the
 * database is open, hold no timer without one (or once the open one keeps no schedules), and
 * stop when the app closes.
 */
export function mountSchedules(
  routes: Hono<SessionEnv>,
  context: ProtocolRouteContext,
  options: MountSchedulesOptions,
): void {
  const { config, report } = context;
  routes.route('/', createScheduleRoutes(context));
  const firer = createScheduleFirer({
    store: () => config.database?.current()?.schedules,
    polls: () => {
      if (config.database?.configured !== true) return false;
      const open = config.database.current();
      return open === undefined || open.schedules !== undefined;
    },
    settings: config.schedules ?? defaultSchedulesSettings,
    claimer: `${config.instanceId}.${randomBytes(4).toString('hex')}`,
    startFire: (fire) =>
      startScheduledRun(context, fire, {
        ...(options.countRequest === undefined ? {} : { countRequest: options.countRequest }),
      }),
    report,
    isClosing: options.isClosing,
  });
  firer.start();
  options.onClose(() => {
    firer.close().catch((error: unknown) => report(error, 'schedules close'));
  });
}
