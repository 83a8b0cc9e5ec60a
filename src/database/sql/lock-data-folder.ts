import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';

/** The lock file's name inside an embedded data folder; it holds the owning process id. */
export const LOCK_FILE = 'agent-gateway.lock';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The data folders of this process whose engine is closing, each with the promise of its close:
 * a gateway closed and opened again on the same folder waits for the close instead of finding
 * the folder still locked by this process (a close may outlast `server.shutdown.timeoutMs`).
 */
const closingFolders = new Map<string, Promise<unknown>>();

/** Notes that the engine on `dir` is closing until `closed` settles (see `closingFolders`). */
export function noteClosingFolder(dir: string, closed: Promise<unknown>): void {
  const settled = closed.then(
    () => undefined,
    () => undefined,
  );
  closingFolders.set(dir, settled);
  void settled.then(() => {
    if (closingFolders.get(dir) === settled) closingFolders.delete(dir);
  });
}

/**
 * Takes the embedded data folder `dir` for this process: the embedded engine has a single
 * owner, and a second one writing the same files would corrupt them. A lock left by a process
 * that is gone is taken over. Rejects with `invalid_option` naming the owner when the folder is
 * in use (by another process, or already by this one, unless that engine is closing: then it
 * waits for the close); resolves the function that releases it.
 */
export async function lockDataFolder(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  // This process's own engine on the folder, still closing: its close releases the lock.
  await closingFolders.get(dir);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
      const who =
        owner === process.pid
          ? 'this process already'
          : `process ${owner} (a gateway still running on this folder: stop it first, e.g. kill ${owner})`;
      throw new GatewayError(
        GatewayErrorCode.InvalidOption,
        `the embedded database in ${dir} is in use by ${who}; one process owns a data folder ` +
          '(give each gateway its own, or share threads between instances through PostgreSQL)',
      );
    }
    await rm(path, { force: true });
  }
  throw new GatewayError(
    GatewayErrorCode.InvalidOption,
    `could not lock the embedded database folder ${dir}`,
  );
}
