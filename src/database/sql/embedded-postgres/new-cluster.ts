import { rename, rm } from 'node:fs/promises';
import type { Logger } from '../../../core/logger.js';
import type { Migration } from '../migrations.js';
import { runMigrations } from '../run-migrations.js';
import { startClusterServer } from './cluster-server.js';
import { takeSpare } from './cluster-spare.js';
import { copyTemplate, saveTemplate } from './cluster-template.js';
import { holdsCluster, makeServerFolder, SERVER_USER } from './postgres-cluster.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import { runToCompletion } from './postgres-process.js';
import type { ServerAccount } from './server-account.js';

/** What `ensureCluster` runs with. */
export interface NewClusterContext {
  account: ServerAccount | undefined;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** Where template clusters are kept (default `~/.cache/agent-gateway`). */
  templateCacheDir?: string | undefined;
  /** The schema baked into a new template (default `MIGRATIONS`; tests give their own). */
  migrations?: readonly Migration[] | undefined;
}

/**
 * Runs `initdb` in `dir` (which exists, for the server's account), with 1 MB write-ahead log
 * segments instead of 16 MB: a new cluster is then ~25 MB instead of ~40 MB to copy and flush,
 * and the log of a gateway's small transactions needs no bigger files.
 */
const bootstrap = (dir: string, binaries: PostgresBinaries, context: NewClusterContext): Promise<void> =>
  runToCompletion(
    binaries.initdb,
    [
      `--pgdata=${dir}`,
      `--username=${SERVER_USER}`,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--wal-segsize=1',
      '--no-sync',
      '--no-instructions',
    ],
    { ...context, libraryPath: binaries.libraryPath, environment: binaries.environment },
  );

/**
 * Brings the schema of the stopped cluster in `dir` up to date: a server of its own on it, the
 * migrations, and a clean stop (its checkpoint leaves the cluster ready to be copied).
 */
async function migrateCluster(
  dir: string,
  binaries: PostgresBinaries,
  context: NewClusterContext,
): Promise<void> {
  const server = await startClusterServer(dir, {
    binaries,
    account: context.account,
    logger: context.logger,
    signal: context.signal,
    maxConnections: 1,
    synchronousCommit: true,
    startTimeoutMs: 60_000,
  });
  try {
    await runMigrations(server.pg, context.migrations);
  } finally {
    await server.close();
  }
}

/**
 * Creates the cluster in `dir` when it has none, into a folder beside it renamed into place
 * once complete (a start interrupted half way leaves no half-made cluster), and resolves whether
 * it created one. A new cluster is this machine's spare cluster (see `takeSpare`: one rename), else
 * a copy of its template (see `copyTemplate`): the bootstrap and the schema's migrations already
 * ran in both. Without a template, `initdb` makes
 * the cluster and the migrations run in it under a server of its own, and the result becomes the
 * template. Files are not flushed here (`--no-sync`, a copy): `syncCluster` does that once the
 * server runs, off the way to the first request.
 */
export async function ensureCluster(
  dir: string,
  binaries: PostgresBinaries,
  context: NewClusterContext,
): Promise<boolean> {
  if (await holdsCluster(dir)) return false;
  const building = `${dir}.initdb`;
  const template = { cacheDir: context.templateCacheDir, migrations: context.migrations };
  await rm(building, { recursive: true, force: true });
  try {
    if (
      (await takeSpare(binaries, building, context.account, template)) ||
      (await copyTemplate(binaries, building, context.account, template))
    ) {
      await rename(building, dir);
      return true;
    }
    await rm(building, { recursive: true, force: true });
    await makeServerFolder(building, context.account);
    await bootstrap(building, binaries, context);
    await migrateCluster(building, binaries, context);
    await saveTemplate(binaries, building, context.logger, template);
    await rm(dir, { recursive: true, force: true });
    await rename(building, dir);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
  return true;
}
