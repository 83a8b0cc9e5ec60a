import { spawn } from 'node:child_process';
import { copyClusterTree } from './copy-cluster-tree.js';
import type { ServerAccount } from './server-account.js';

/** Runs `args` under `nice -n 19`; rejects when it fails, cannot start or `signal` aborts. */
const runNiced = (args: readonly string[], signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', '19', ...args], {
      cwd: '/',
      stdio: 'ignore',
      ...(signal === undefined ? {} : { signal }),
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${args[0]} exited with ${code}`));
    });
  });

/**
 * Copies the cluster folder `source` to `target` (which must not exist) for `account`, at the
 * lowest CPU priority: `cp -R -p` (modes kept) then, for another account, `chown -R`, both under
 * `nice -n 19`, so a gateway serving chats meanwhile is not slowed by it. Where `nice` or `cp`
 * cannot be run, copies in this process, two files at a time. Rejects when `signal` aborts; the
 * caller removes what was copied.
 */
export async function copyAtLowPriority(
  source: string,
  target: string,
  account: ServerAccount | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    await runNiced(['cp', '-R', '-p', source, target], signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await copyClusterTree(source, target, account, { inFlight: 2, signal });
    return;
  }
  if (account !== undefined) await runNiced(['chown', '-R', `${account.uid}:${account.gid}`, target], signal);
}
