import { existsSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/core/logger.js';
import { createEmbeddedPostgresEngine } from '../src/database/sql/embedded-postgres/embedded-postgres-engine.js';
import { LIBRARY_LINKS_FOLDER } from '../src/database/sql/embedded-postgres/library-links.js';
import {
  findPostgresBinaries,
  type PostgresBinaries,
} from '../src/database/sql/embedded-postgres/postgres-binaries.js';
import { resolveServerAccount } from '../src/database/sql/embedded-postgres/server-account.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';

const unavailable = await embeddedPostgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

let root: string;
beforeAll(async () => {
  root = await reachableTempFolder('agent-gateway-no-scripts-');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * Copies the package tree at `source` to `target` as `npm ci --ignore-scripts` leaves it: every
 * folder and file (hard links where the file system allows, so 60 MB are not copied), and none
 * of the symbolic links its `postinstall` script makes.
 */
async function copyWithoutLinks(source: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true, mode: 0o755 });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isDirectory()) await copyWithoutLinks(from, to);
    else if (entry.isFile()) await link(from, to).catch(() => copyFile(from, to));
  }
}

const recordingLogger = (): Logger & { lines: string[] } => {
  const lines: string[] = [];
  const keep = (message: string, details?: Record<string, unknown>) =>
    void lines.push(`${message} ${JSON.stringify(details ?? {})}`);
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
};

describe.skipIf(unavailable !== undefined)('the embedded PostgreSQL server without install scripts', () => {
  let installed: PostgresBinaries;
  beforeAll(async () => {
    const lookup = await findPostgresBinaries();
    if (!lookup.found) throw new Error(lookup.reason);
    installed = lookup.binaries;
  });

  it('starts from a package whose library links were never made, making them in the data folder', async () => {
    // `<package>/native/bin/postgres`: the package is three folders up.
    const packageDir = dirname(dirname(dirname(installed.postgres)));
    const copy = join(root, 'package');
    await copyWithoutLinks(packageDir, copy);
    const binaries: PostgresBinaries = {
      packageName: installed.packageName,
      initdb: join(copy, 'native', 'bin', 'initdb'),
      postgres: join(copy, 'native', 'bin', 'postgres'),
    };
    // What the programs load under these names is missing, as after `npm ci --ignore-scripts`.
    await expect(lstat(join(copy, 'native', 'lib', 'libicuuc.so.60'))).rejects.toThrow(/ENOENT/);

    const dir = join(root, 'data');
    const logger = recordingLogger();
    const engine = await createEmbeddedPostgresEngine(dir, {
      binaries,
      account: await resolveServerAccount(),
      logger,
      templateCacheDir: join(root, 'cache'),
    });
    try {
      expect((await engine.query<{ answer: number }>('SELECT 41 + 1 AS answer')).rows).toEqual([
        { answer: 42 },
      ]);
    } finally {
      await engine.close();
    }
    expect(existsSync(join(dir, LIBRARY_LINKS_FOLDER, 'libicuuc.so.60'))).toBe(true);
    expect(logger.lines.join('\n')).toContain("the package's library links are missing");
    // The package itself is left as it was: the gateway may not write there.
    await expect(lstat(join(copy, 'native', 'lib', 'libicuuc.so.60'))).rejects.toThrow(/ENOENT/);
  }, 180_000);

  it('uses a package whose library links exist as it is', async () => {
    const dir = join(root, 'data-installed');
    const logger = recordingLogger();
    const engine = await createEmbeddedPostgresEngine(dir, {
      binaries: installed,
      account: await resolveServerAccount(),
      logger,
      templateCacheDir: join(root, 'cache-installed'),
    });
    await engine.close();
    expect(existsSync(join(dir, LIBRARY_LINKS_FOLDER))).toBe(false);
    expect(logger.lines.join('\n')).not.toContain('library links');
  }, 180_000);
});
