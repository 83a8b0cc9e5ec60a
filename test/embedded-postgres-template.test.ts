import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { keepSpare, takeSpare } from '../src/database/sql/embedded-postgres/cluster-spare.js';
import { templateOf } from '../src/database/sql/embedded-postgres/cluster-template.js';
import { copyClusterTree } from '../src/database/sql/embedded-postgres/copy-cluster-tree.js';
import {
  CLUSTER_FOLDER,
  createEmbeddedPostgresEngine,
} from '../src/database/sql/embedded-postgres/embedded-postgres-engine.js';
import { ensureCluster } from '../src/database/sql/embedded-postgres/new-cluster.js';
import { makeServerFolder } from '../src/database/sql/embedded-postgres/postgres-cluster.js';
import {
  findPostgresBinaries,
  type PostgresBinaries,
} from '../src/database/sql/embedded-postgres/postgres-binaries.js';
import {
  resolveServerAccount,
  type ServerAccount,
} from '../src/database/sql/embedded-postgres/server-account.js';
import { MIGRATIONS } from '../src/database/sql/migrations.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';

const unavailable = await embeddedPostgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

let root: string;
beforeAll(async () => {
  root = await reachableTempFolder('agent-gateway-template-');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('copying a cluster folder', () => {
  it('copies folders and files with their modes, and refuses a link planted in the source', async () => {
    const source = join(root, 'tree-source');
    await mkdir(join(source, 'base', '5'), { recursive: true, mode: 0o700 });
    await writeFile(join(source, 'PG_VERSION'), '18\n', { mode: 0o600 });
    await writeFile(join(source, 'base', '5', '1259'), 'catalog', { mode: 0o600 });
    await copyClusterTree(source, join(root, 'tree-copy'), undefined);
    expect((await readdir(join(root, 'tree-copy', 'base', '5'))).sort()).toEqual(['1259']);

    await symlink('/etc/passwd', join(source, 'base', 'planted'));
    await expect(copyClusterTree(source, join(root, 'tree-refused'), undefined)).rejects.toThrow(
      /neither a folder nor a file/,
    );
  });
});

describe.skipIf(unavailable !== undefined)('new clusters from the template', () => {
  let binaries: PostgresBinaries;
  let account: ServerAccount | undefined;
  beforeAll(async () => {
    const lookup = await findPostgresBinaries();
    if (!lookup.found) throw new Error(lookup.reason);
    binaries = lookup.binaries;
    account = await resolveServerAccount();
  });

  /** A new data folder the server's account can reach, with its cluster folder's path. */
  const dataFolder = async (name: string): Promise<{ dir: string; cluster: string }> => {
    const dir = join(root, name);
    await makeServerFolder(dir, account);
    return { dir, cluster: join(dir, CLUSTER_FOLDER) };
  };
  const context = (cacheDir: string) => ({ account, logger: silentLogger, templateCacheDir: cacheDir });
  const cacheEntries = async (cacheDir: string): Promise<string[]> => (await readdir(cacheDir)).sort();

  it('two first starts at once each get a cluster, and one template is kept', async () => {
    const cacheDir = join(root, 'cache-concurrent');
    const [first, second] = await Promise.all([dataFolder('concurrent-1'), dataFolder('concurrent-2')]);
    const created = await Promise.all([
      ensureCluster(first.cluster, binaries, context(cacheDir)),
      ensureCluster(second.cluster, binaries, context(cacheDir)),
    ]);
    expect(created).toEqual([true, true]);
    expect(existsSync(join(first.cluster, 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(second.cluster, 'PG_VERSION'))).toBe(true);
    // No half-made template is left beside the one kept.
    expect(await cacheEntries(cacheDir)).toEqual([
      (await templateOf(binaries, { cacheDir })).split('/').pop(),
    ]);
  }, 180_000);

  it('a folder made from the template finds its schema current, the migrations having run in the template', async () => {
    const cacheDir = join(root, 'cache-migrated');
    const made = await dataFolder('migrated-1');
    await ensureCluster(made.cluster, binaries, context(cacheDir));
    const copied = await dataFolder('migrated-2');
    const engine = await createEmbeddedPostgresEngine(copied.dir, {
      binaries,
      account,
      logger: silentLogger,
      templateCacheDir: cacheDir,
    });
    try {
      expect(await runMigrations(engine)).toEqual([]);
      const applied = await engine.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(applied.rows).toEqual([{ n: MIGRATIONS.length }]);
    } finally {
      await engine.close();
    }
  }, 180_000);

  it('a template of an older schema is left alone: a current one is made and used', async () => {
    const cacheDir = join(root, 'cache-older');
    const older = MIGRATIONS.slice(0, 2);
    await ensureCluster((await dataFolder('older-1')).cluster, binaries, {
      ...context(cacheDir),
      migrations: older,
    });
    const olderTemplate = await templateOf(binaries, { cacheDir, migrations: older });
    const current = await templateOf(binaries, { cacheDir });
    expect(current).not.toBe(olderTemplate);
    expect(existsSync(current)).toBe(false);

    const next = await dataFolder('older-2');
    const engine = await createEmbeddedPostgresEngine(next.dir, {
      binaries,
      account,
      logger: silentLogger,
      templateCacheDir: cacheDir,
    });
    try {
      expect(existsSync(current)).toBe(true);
      expect(existsSync(olderTemplate)).toBe(true);
      expect(await runMigrations(engine)).toEqual([]);
    } finally {
      await engine.close();
    }
  }, 180_000);

  it('a spare cluster is taken once, by rename, and only while private to its account', async () => {
    const cacheDir = join(root, 'cache-spare');
    await ensureCluster((await dataFolder('spare-0')).cluster, binaries, context(cacheDir));
    await keepSpare(binaries, account, { cacheDir, logger: silentLogger });
    const spare = (await cacheEntries(cacheDir)).find((name) => name.includes('-spare-'));
    expect(spare).toBeDefined();

    const first = await dataFolder('spare-1');
    const second = await dataFolder('spare-2');
    const taken = await Promise.all([
      takeSpare(binaries, first.cluster, account, { cacheDir }),
      takeSpare(binaries, second.cluster, account, { cacheDir }),
    ]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await cacheEntries(cacheDir)).not.toContain(spare);

    await keepSpare(binaries, account, { cacheDir, logger: silentLogger });
    await chmod(join(cacheDir, spare ?? ''), 0o755);
    expect(await takeSpare(binaries, join(root, 'spare-3'), account, { cacheDir })).toBe(false);
    expect(await cacheEntries(cacheDir)).toContain(spare);
  }, 180_000);
});
