import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SHIM_FOLDER,
  NSS_WRAPPER_LIBRARIES,
} from '../src/database/sql/embedded-postgres/account-shim.js';
import { findPostgresBinaries } from '../src/database/sql/embedded-postgres/postgres-binaries.js';
import { REACH_ADVICE, unreachableBy } from './helpers/account-reach.js';
import { reachableTempFolder } from './helpers/embedded-postgres.js';

const execFileAsync = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/embedded-under-arbitrary-uid.ts', import.meta.url));

// The uid OpenShift assigns a pod (and `docker run --user 1000680000:0`): no account on the system.
const arbitrary = { name: 'uid 1000680000', uid: 1_000_680_000, gid: 0 };

/**
 * Why this file cannot run here, or undefined. Root is needed to start a process as another uid.
 * In CI (root, with nss_wrapper from .ci/run) only a checkout that uid cannot reach skips it.
 */
async function whyNot(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root, to start a process as an arbitrary uid';
  const lookup = await findPostgresBinaries();
  if (!lookup.found) return process.env.CI === 'true' ? undefined : lookup.reason;
  const installed = NSS_WRAPPER_LIBRARIES.some((path) => existsSync(path));
  if (!installed && process.env.CI !== 'true')
    return 'nss_wrapper is not installed (Debian: apt-get install libnss-wrapper; .ci/run installs it)';
  for (const path of [lookup.binaries.postgres, fixture, join(tmpdir(), 'x')]) {
    const unreachable = await unreachableBy(path, arbitrary);
    if (unreachable !== undefined) return `${unreachable} on the way to ${path}; ${REACH_ADVICE}`;
  }
  return undefined;
}

const reason = await whyNot();
if (reason !== undefined) console.warn(`embedded database under an arbitrary uid: skipped: ${reason}`);

describe.skipIf(reason !== undefined)('the embedded PostgreSQL server under a uid without an account', () => {
  let root: string;
  beforeAll(async () => {
    root = await reachableTempFolder('agent-gateway-arbitrary-uid-');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('starts through nss_wrapper, as OpenShift runs the image, and answers a query', async () => {
    const home = join(root, 'home');
    const data = join(root, 'data');
    const temporary = join(root, 'tmp');
    for (const folder of [home, data, temporary]) {
      await mkdir(folder, { mode: 0o700 });
      await chown(folder, arbitrary.uid, arbitrary.gid);
    }
    // The process has no account: its initdb and postgres would stop with "could not look up
    // effective user ID" (the image then fell back to PGlite).
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', fixture, data], {
      cwd: repositoryRoot,
      uid: arbitrary.uid,
      gid: arbitrary.gid,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: temporary },
      timeout: 120_000,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the fixture failed: ${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      log: string[];
      rows?: Array<{ answer: number }>;
    };
    expect(result.log).toContain('embedded database: PostgreSQL server');
    expect(result.rows).toEqual([expect.objectContaining({ answer: 42 })]);
    // The account the programs saw: this uid, named in a file of the (private) data folder.
    const passwd = await readFile(join(data, ACCOUNT_SHIM_FOLDER, 'passwd'), 'utf8');
    expect(passwd).toMatch(/^gateway:x:1000680000:0:/);
  });
});
