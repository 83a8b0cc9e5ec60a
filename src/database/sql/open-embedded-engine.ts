import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { CLUSTER_FOLDER } from './embedded-postgres/embedded-postgres-engine.js';
import { holdsCluster } from './embedded-postgres/postgres-cluster.js';
import type { PostgresBinariesLookup } from './embedded-postgres/postgres-binaries.js';
import type { SqlEngine } from './sql-engine.js';

/**
 * Which program runs the embedded database: `'postgres'`, a PostgreSQL server the gateway starts
 * from the `embedded-postgres` binaries; `'pglite'`, PostgreSQL compiled to WebAssembly inside
 * the gateway's process. Left out: the server, else PGlite when it cannot start here.
 */
export type EmbeddedEngineChoice = 'postgres' | 'pglite';

/** Options of `openEmbeddedEngine`. */
export interface OpenEmbeddedEngineOptions {
  engine?: EmbeddedEngineChoice | undefined;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** The server's pool size (default 4). */
  maxConnections?: number | undefined;
  /** Finds the server's binaries (default `findPostgresBinaries`; tests replace it). */
  findBinaries?: () => Promise<PostgresBinariesLookup>;
}

const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (info) => info.isFile(),
    () => false,
  );

/**
 * Opens the embedded database in `dir`. A folder keeps the engine that created it: one that
 * holds a PGlite database (its `PG_VERSION` at the top) stays on PGlite, one that holds the
 * server's cluster never falls back (its threads are there). A new folder gets the PostgreSQL
 * server unless `engine` says `'pglite'`; when the server cannot start here (no binaries for
 * this platform, root without an account to run it as, a folder it cannot reach), the log says
 * why and PGlite serves instead, unless `engine` says `'postgres'`.
 */
export async function openEmbeddedEngine(
  dir: string,
  options: OpenEmbeddedEngineOptions,
): Promise<SqlEngine> {
  const location = resolve(dir);
  const pglite = async (): Promise<SqlEngine> => {
    const { createPgliteEngine } = await import('./pglite-engine.js');
    return createPgliteEngine(location);
  };
  if (options.engine === 'pglite') return pglite();
  const hasServerCluster = await holdsCluster(join(location, CLUSTER_FOLDER));
  if (!hasServerCluster && (await isFile(join(location, 'PG_VERSION')))) {
    if (options.engine === 'postgres') {
      throw new GatewayError(
        GatewayErrorCode.InvalidOption,
        `${location} holds a PGlite database: the PostgreSQL server cannot open it (leave out engine: 'postgres', or choose another folder)`,
      );
    }
    options.logger.info('embedded database: this folder holds a PGlite database, which stays on PGlite', {
      dir: location,
    });
    return pglite();
  }
  try {
    return await startServer(location, options);
  } catch (error) {
    // A folder problem (in use, open to other users) is PGlite's problem too: said as it is.
    const folderProblem = error instanceof GatewayError;
    if (
      options.signal?.aborted === true ||
      options.engine === 'postgres' ||
      hasServerCluster ||
      folderProblem
    ) {
      throw error;
    }
    options.logger.warn('embedded database: the PostgreSQL server cannot run here, using PGlite (slower)', {
      reason: error instanceof Error ? error.message : String(error),
      dir: location,
    });
    return pglite();
  }
}

/** Starts the server on `location`, or rejects saying why it cannot run here. */
async function startServer(location: string, options: OpenEmbeddedEngineOptions): Promise<SqlEngine> {
  const { findPostgresBinaries } = await import('./embedded-postgres/postgres-binaries.js');
  const lookup = await (options.findBinaries ?? findPostgresBinaries)();
  if (!lookup.found) throw new Error(lookup.reason);
  const { resolveServerAccount } = await import('./embedded-postgres/server-account.js');
  const account = await resolveServerAccount();
  const { createEmbeddedPostgresEngine } = await import('./embedded-postgres/embedded-postgres-engine.js');
  const engine = await createEmbeddedPostgresEngine(location, {
    binaries: lookup.binaries,
    account,
    logger: options.logger,
    signal: options.signal,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  options.logger.info('embedded database: PostgreSQL server', {
    dir: location,
    binaries: lookup.binaries.packageName,
    ...(account === undefined ? {} : { runsAs: account.name }),
  });
  return engine;
}
