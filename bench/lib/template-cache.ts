import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { templateOf } from '../../src/database/sql/embedded-postgres/cluster-template.js';
import { findPostgresBinaries } from '../../src/database/sql/embedded-postgres/postgres-binaries.js';

/**
 * Removes this build's spare clusters from the user's cache, and its template too when
 * `template` (the next first start then runs `initdb`). Templates of other builds (other
 * binaries or schemas, which other checkouts on the machine may be copying) are left alone.
 */
export async function removeFromTemplateCache(options: { template: boolean }): Promise<void> {
  const lookup = await findPostgresBinaries();
  if (!lookup.found) return;
  const template = await templateOf(lookup.binaries);
  const cache = dirname(template);
  const entries = await readdir(cache).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter(
        (name) =>
          name.startsWith(`${basename(template)}-spare-`) ||
          (options.template && name === basename(template)),
      )
      .map((name) => rm(join(cache, name), { recursive: true, force: true })),
  );
}
