import { z } from 'zod';
import type { ThreadStore } from '../core/thread-store.js';
import { isDatabaseStores, type DatabaseStores } from '../core/database-stores.js';

const THREAD_STORE_METHODS = [
  'createThread',
  'getThread',
  'listThreads',
  'updateThread',
  'deleteThread',
  'deleteThreadsIdleSince',
  'loadMessages',
  'appendMessages',
  'recordRunStart',
  'recordRunEnd',
  'getRun',
  'listRuns',
  'recordApproval',
  'listApprovals',
  'close',
] as const;

/** Whether a value has every method of a `ThreadStore`. */
export const isThreadStore = (value: unknown): value is ThreadStore =>
  typeof value === 'object' &&
  value !== null &&
  THREAD_STORE_METHODS.every((name) => typeof Reflect.get(value, name) === 'function');

/** A database handed in as an object: the aggregate of its stores, or a thread store carrying them. */
export type GivenDatabase = DatabaseStores | ThreadStore;

/** Whether a value is a database handed in: a `DatabaseStores` whose `threads` is a `ThreadStore`, or a `ThreadStore`. */
export const isGivenDatabase = (value: unknown): value is GivenDatabase =>
  isThreadStore(value) || (isDatabaseStores(value) && isThreadStore(value.threads));

/**
 * `server.database`: where threads, runs and approvals are kept. `'embedded'` and
 * `{ embedded: { dir, engine } }` use the embedded database (a data folder: a PostgreSQL server
 * the gateway starts itself, or PGlite in its process), `{ postgres: url }` a
 * PostgreSQL server, a database of your own (a `DatabaseStores` aggregate, or a `ThreadStore`
 * carrying the other stores as it used to, `CarriedStores`); `false` (the default) none.
 * `migrate` (object forms, default true): whether this instance applies the schema's migrations
 * as it opens the database; `false` leaves them to `agent-gateway migrate` (a migration job) and
 * waits until they are applied.
 */
export const databaseSchema = z.union(
  [
    z.literal(false),
    z.literal('embedded'),
    z.strictObject({
      embedded: z.strictObject({
        dir: z.string().min(1).optional(),
        engine: z.enum(['postgres', 'pglite']).optional(),
      }),
      migrate: z.boolean().optional(),
    }),
    z.strictObject({
      postgres: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
      migrate: z.boolean().optional(),
    }),
    z.custom<GivenDatabase>(isGivenDatabase),
  ],
  {
    error:
      "must be false, 'embedded', { embedded: { dir } }, { postgres: 'postgres://...' }, a DatabaseStores or a ThreadStore object",
  },
);

/** `server.database` as written: a database, one handed in, or `false`. */
export type DatabaseSettingInput = z.input<typeof databaseSchema>;

/** The parsed `server.database`. */
export type DatabaseSetting = z.output<typeof databaseSchema>;

/** A database the app opens itself (as opposed to one handed in). */
export type DatabaseOption = Exclude<DatabaseSetting, false | GivenDatabase>;
