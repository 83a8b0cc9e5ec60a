import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CleanupStack } from '../../helpers/cleanup-stack.js';
import { waitFor } from '../../helpers/wait-for.js';

/** A load balancer running in the foreground as a child of the test. */
export interface BalancerChild {
  /** Everything it wrote to stderr so far. */
  readonly stderr: () => string;
  /** Whether it exited (or failed to start). */
  readonly exited: () => boolean;
}

/** Debian installs balancers in /usr/sbin, which a non-root PATH may lack. */
export const sbinBinary = (name: string): string =>
  existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name;

/**
 * Why `binary versionFlag` does not run here (the test then skips and prints this), or
 * undefined when it is installed.
 */
export function binaryUnavailableReason(
  binary: string,
  versionFlag: string,
  install: string,
): string | undefined {
  const probe = spawnSync(binary, [versionFlag], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    return `${binary} is not installed (${install}); skipping the load-balancer test`;
  }
  return undefined;
}

/** A private directory for a balancer's configuration and logs, removed on `cleanup`. */
export const balancerDirectory = async (cleanup: CleanupStack, name: string): Promise<string> =>
  cleanup.add(await mkdtemp(join(tmpdir(), `${name}-test-`)), (path) =>
    rm(path, { recursive: true, force: true }),
  );

/**
 * Spawns `binary args` (staying in the foreground), collects its stderr, registers it on
 * `cleanup` (SIGTERM, then SIGKILL after 5 s) and kills it if the test process exits.
 */
export function spawnBalancer(cleanup: CleanupStack, binary: string, args: readonly string[]): BalancerChild {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let failed = false;
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.once('error', (error) => {
    failed = true;
    stderr += `spawn failed: ${error.message}\n`;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  cleanup.add(child, async () => {
    process.off('exit', killOnExit);
    if (failed || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });
  return {
    stderr: () => stderr,
    exited: () => failed || child.exitCode !== null || child.signalCode !== null,
  };
}

/** Resolves once `url` answers 2xx; throws at once if the balancer exited meanwhile. */
export const waitUntilAnswering = (balancer: BalancerChild, name: string, url: string): Promise<true> =>
  waitFor(
    async () => {
      if (balancer.exited()) throw new Error(`${name} exited:\n${balancer.stderr()}`);
      return fetch(url).then(
        async (response) => {
          await response.body?.cancel();
          return response.ok ? true : undefined;
        },
        () => undefined,
      );
    },
    {
      timeoutMs: 10_000,
      intervalMs: 50,
      description: () => `${name} to answer ${url}:\n${balancer.stderr()}`,
    },
  );
