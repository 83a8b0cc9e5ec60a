import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CleanupStack } from '../../helpers/cleanup-stack.js';
import { waitFor } from '../../helpers/wait-for.js';

const scalingDoc = fileURLToPath(new URL('../../../docs/scaling.md', import.meta.url));

/** The addresses the documented configuration uses, replaced by loopback ports in the test. */
const DOCUMENTED_FRONTEND = 'bind *:8080';
const DOCUMENTED_STATS = 'bind 127.0.0.1:8404';
const DOCUMENTED_SERVERS = ['10.0.0.11:8000', '10.0.0.12:8000', '10.0.0.13:8000'];

/** Debian installs it in /usr/sbin, which a non-root PATH may lack. */
const haproxyBinary = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';

/** Why the HAProxy test cannot run here, or undefined when `haproxy` is installed. */
export function haproxyUnavailableReason(): string | undefined {
  const probe = spawnSync(haproxyBinary, ['-v'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    return 'haproxy is not installed (apt-get install haproxy); skipping the load-balancer test';
  }
  return undefined;
}

/** A free TCP port of 127.0.0.1 (free now; the caller binds it soon after). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const replaceOnce = (text: string, from: string, to: string): string => {
  const parts = text.split(from);
  if (parts.length !== 2) {
    throw new Error(`docs/scaling.md: the HAProxy configuration must contain "${from}" exactly once`);
  }
  return parts.join(to);
};

/**
 * The HAProxy configuration of docs/scaling.md (its one `haproxy` code block), with only the
 * frontend, stats and server addresses replaced by loopback ports, so the test runs exactly
 * what the documentation recommends.
 */
export function documentedHaproxyConfig(ports: {
  frontend: number;
  stats: number;
  servers: readonly number[];
}): string {
  const blocks = [...readFileSync(scalingDoc, 'utf8').matchAll(/^```haproxy\n([\s\S]*?)^```$/gm)];
  const [block, ...others] = blocks;
  if (block?.[1] === undefined || others.length > 0) {
    throw new Error('docs/scaling.md must contain exactly one ```haproxy code block');
  }
  if (ports.servers.length !== DOCUMENTED_SERVERS.length) {
    throw new Error(`the documented configuration has ${DOCUMENTED_SERVERS.length} servers`);
  }
  let config = replaceOnce(block[1], DOCUMENTED_FRONTEND, `bind 127.0.0.1:${ports.frontend}`);
  config = replaceOnce(config, DOCUMENTED_STATS, `bind 127.0.0.1:${ports.stats}`);
  DOCUMENTED_SERVERS.forEach((address, index) => {
    config = replaceOnce(config, address, `127.0.0.1:${String(ports.servers[index])}`);
  });
  return config;
}

/** A running `haproxy -db` (foreground) with one configuration. */
export interface HaproxyProcess {
  /** `http://127.0.0.1:<frontend port>` */
  readonly url: string;
  /** The `status` column of the stats CSV per server of `backend` (`UP`, `DOWN`, `MAINT`…). */
  serverStates(backend: string): Promise<Map<string, string>>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
}

/**
 * Starts `haproxy -db -f <config>` and resolves once its stats page answers; registered on
 * `cleanup` (SIGTERM, then SIGKILL after 5 s) and killed if the test process exits.
 */
export async function startHaproxy(
  cleanup: CleanupStack,
  options: { config: string; frontendPort: number; statsPort: number },
): Promise<HaproxyProcess> {
  const directory = cleanup.add(await mkdtemp(join(tmpdir(), 'haproxy-test-')), (path) =>
    rm(path, { recursive: true, force: true }),
  );
  const configFile = join(directory, 'haproxy.cfg');
  await writeFile(configFile, options.config);
  const child = spawn(haproxyBinary, ['-db', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.once('error', (error) => (stderr += `spawn failed: ${error.message}\n`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  cleanup.add(child, async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });

  const statsUrl = `http://127.0.0.1:${options.statsPort}/stats;csv`;
  const serverStates = async (backend: string): Promise<Map<string, string>> => {
    const response = await fetch(statsUrl);
    const [header, ...rows] = (await response.text()).split('\n');
    const columns = (header ?? '').replace(/^# /, '').split(',');
    const column = (name: string): number => columns.indexOf(name);
    const states = new Map<string, string>();
    for (const row of rows) {
      const cells = row.split(',');
      const server = cells[column('svname')];
      const status = cells[column('status')];
      if (cells[column('pxname')] !== backend || server === undefined || status === undefined) continue;
      if (server === 'BACKEND' || server === 'FRONTEND') continue;
      states.set(server, status);
    }
    return states;
  };
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${stderr}`);
      return fetch(statsUrl).then(
        (response) => (response.ok ? true : undefined),
        () => undefined,
      );
    },
    { timeoutMs: 10_000, intervalMs: 50, description: () => `haproxy's stats page:\n${stderr}` },
  );
  return { url: `http://127.0.0.1:${options.frontendPort}`, serverStates, stderr: () => stderr };
}
