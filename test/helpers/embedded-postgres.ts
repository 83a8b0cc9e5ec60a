import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresBinaries } from '../../src/database/sql/embedded-postgres/postgres-binaries.js';
import { resolveServerAccount } from '../../src/database/sql/embedded-postgres/server-account.js';
import { REACH_ADVICE, unreachableBy } from './account-reach.js';

/**
 * Why the embedded PostgreSQL tests cannot run here (they then skip and print it), or
 * undefined. Under CI the binaries (an optional dependency installed by `npm ci`) are required:
 * a missing binary is then no reason, and starting fails loudly instead. Run as root, the server
 * runs as another account, which must reach the binaries in the checkout's `node_modules` and the
 * temporary folder: when it cannot (a checkout in a 0700 folder), the tests skip, CI or not,
 * saying what to do.
 */
export async function embeddedPostgresUnavailableReason(): Promise<string | undefined> {
  const lookup = await findPostgresBinaries();
  if (!lookup.found) {
    return process.env.CI === 'true'
      ? undefined
      : `embedded PostgreSQL cannot run here (${lookup.reason}); skipping its tests`;
  }
  let account;
  try {
    account = await resolveServerAccount();
  } catch (error) {
    return `embedded PostgreSQL cannot run here (${error instanceof Error ? error.message : String(error)}); skipping its tests`;
  }
  if (account === undefined) return undefined;
  for (const path of [lookup.binaries.postgres, join(tmpdir(), 'x')]) {
    const unreachable = await unreachableBy(path, account);
    if (unreachable !== undefined) {
      return (
        `embedded PostgreSQL tests skipped: they run as root, so the server runs as "${account.name}", ` +
        `and ${unreachable} on the way to ${path}; ${REACH_ADVICE}`
      );
    }
  }
  return undefined;
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
