import { GatewayError } from '../../core/errors.js';
import type { ThreadStore } from '../../core/thread-store.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { HttpError, isHttpError } from '../../core/http-error.js';

/** The answer of a route or chat whose database failed: nothing was done; retry. */
export const storeUnavailable = (cause?: unknown): HttpError =>
  new HttpError(
    503,
    { detail: 'The database is unavailable; nothing was stored, retry', code: 'store_unavailable' },
    { headers: { 'retry-after': '1' }, ...(cause === undefined ? {} : { cause }) },
  );

/**
 * The answer to a run whose start the database refused because another run's record has its id
 * (`RunIdInUseError`): nothing was started or recorded, and a retry runs under a new id.
 */
export const runIdInUse = (cause: unknown): HttpError =>
  new HttpError(
    409,
    {
      detail: 'The run id drawn is already another run’s; nothing was started, retry',
      code: 'run_id_in_use',
    },
    { cause },
  );

/** The answer of a thread route when `server.database` names none. */
export const databaseNotConfigured = (): HttpError =>
  new HttpError(404, {
    detail: 'Threads need a database: set server.database (docs/threads.md)',
    code: 'database_not_configured',
  });

/**
 * Runs one call of the app's database for a request (its thread store, and its other stores beside) (and sends the writes it held back). 404 when no database is configured, 503
 * `store_unavailable` when it is not open or the call fails (reported once here), 400 when the
 * store refused the client's input (a cursor it did not write, a title too long), 429
 * `thread_limit_reached` when the owner holds `server.maxThreadsPerOwner` threads.
 * `options.flushWrites: false` keeps the held-back writes held (a call that reads none of them).
 */
export async function callThreadStore<Result>(
  database: GatewayDatabase | undefined,
  report: (error: unknown, where: string) => void,
  call: (store: ThreadStore, database: DatabaseStores) => Promise<Result>,
  options?: { flushWrites?: boolean },
): Promise<Result> {
  if (database?.configured !== true) throw databaseNotConfigured();
  const stores = database.current();
  if (stores === undefined) throw storeUnavailable();
  const store = stores.threads;
  // The run ends the store still holds back go out now rather than after their hold: a route
  // that waits for one in particular waits for it through the database (`settled`, `runEnded`).
  // A call that reads nothing they write (`flushWrites: false`) leaves them to their hold.
  if (options?.flushWrites !== false) void store.flushWrites?.();
  try {
    return await call(store, stores);
  } catch (error) {
    if (isHttpError(error)) throw error;
    if (error instanceof GatewayError && error.code === 'invalid_option') {
      throw HttpError.detail(400, error.message, { cause: error });
    }
    if (error instanceof GatewayError && error.code === 'limit_reached') {
      throw new HttpError(
        429,
        {
          detail: `${error.message}: delete threads you no longer need (server.maxThreadsPerOwner)`,
          code: 'thread_limit_reached',
        },
        { cause: error },
      );
    }
    report(error, 'database');
    throw storeUnavailable(error);
  }
}
