import { chown, mkdir, readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, GatewayErrorCode } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import { runToCompletion } from './postgres-process.js';
import type { ServerAccount } from './server-account.js';

/** The superuser the gateway connects as (local socket, trust: only the owner can reach it). */
export const SERVER_USER = 'postgres';

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Whether `dir` holds a PostgreSQL cluster (its `PG_VERSION` file). */
export const holdsCluster = (dir: string): Promise<boolean> => exists(`${dir}/PG_VERSION`);

/** Makes `dir` (0700) and gives it to `account` when the server runs as another account. */
export async function makeServerFolder(dir: string, account: ServerAccount | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (account !== undefined) await chown(dir, account.uid, account.gid);
}

/** Flushes every file of the cluster in `dir` to disk (`initdb --sync-only`). */
export function syncCluster(
  dir: string,
  binaries: PostgresBinaries,
  context: { account: ServerAccount | undefined; logger: Logger },
): Promise<void> {
  return runToCompletion(binaries.initdb, [`--pgdata=${dir}`, '--sync-only'], {
    ...context,
    libraryPath: binaries.libraryPath,
    environment: binaries.environment,
  });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The lines of the server's `postmaster.pid`, or undefined when there is none. */
const readPidFile = async (dir: string): Promise<string[] | undefined> =>
  (await readFile(`${dir}/postmaster.pid`, 'utf8').catch(() => undefined))?.split('\n');

/**
 * Waits until no server runs on the cluster in `dir`: after a gateway was killed, its server is
 * still shutting down (its guard saw the pipe close). Rejects when one still runs after
 * `timeoutMs`, or when `signal` aborts.
 */
export async function waitForPreviousServer(
  dir: string,
  options: { timeoutMs: number; signal?: AbortSignal | undefined; logger: Logger },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let said = false;
  for (;;) {
    const pid = Number((await readPidFile(dir))?.[0]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || !isAlive(pid)) return;
    if (!said) {
      options.logger.info('embedded PostgreSQL: waiting for the previous server to stop', { pid });
      said = true;
    }
    if (Date.now() > deadline) {
      throw new GatewayError(
        GatewayErrorCode.InvalidOption,
        `the embedded PostgreSQL in ${dir} is still run by process ${pid}: is another gateway using this folder?`,
      );
    }
    await sleep(50, undefined, options.signal === undefined ? {} : { signal: options.signal });
  }
}

/**
 * Waits until the server on `dir` says it accepts connections (`ready` in its pid file), or
 * rejects when it exits first, when `timeoutMs` passes or when `signal` aborts.
 */
export async function waitUntilReady(
  dir: string,
  options: {
    exited: Promise<number | null>;
    timeoutMs: number;
    signal?: AbortSignal | undefined;
    recentLog: () => string;
  },
): Promise<void> {
  let exitCode: number | null | undefined;
  void options.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const lines = await readPidFile(dir);
    if (lines?.[7]?.trim() === 'ready') return;
    if (exitCode !== undefined) {
      throw new Error(`the server exited (code ${exitCode}) while starting: ${options.recentLog()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`the server was not ready after ${options.timeoutMs} ms: ${options.recentLog()}`);
    }
    await sleep(10, undefined, options.signal === undefined ? {} : { signal: options.signal });
  }
}
