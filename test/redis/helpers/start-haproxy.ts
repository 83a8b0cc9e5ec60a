import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CleanupStack } from '../../helpers/cleanup-stack.js';
import {
  balancerDirectory,
  binaryUnavailableReason,
  sbinBinary,
  spawnBalancer,
  waitUntilAnswering,
} from './balancer-process.js';
import { documentedBlock, replaceOnce, withServerPorts } from './documented-config.js';

/** The addresses the documented configuration uses, replaced by loopback ports in the test. */
const DOCUMENTED_FRONTEND = 'bind *:8080';
const DOCUMENTED_STATS = 'bind 127.0.0.1:8404';

const haproxyBinary = sbinBinary('haproxy');

/** Why the HAProxy test cannot run here, or undefined when `haproxy` is installed. */
export const haproxyUnavailableReason = (): string | undefined =>
  binaryUnavailableReason(haproxyBinary, '-v', 'apt-get install haproxy');

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
  let config = replaceOnce(
    documentedBlock('haproxy'),
    DOCUMENTED_FRONTEND,
    `bind 127.0.0.1:${ports.frontend}`,
  );
  config = replaceOnce(config, DOCUMENTED_STATS, `bind 127.0.0.1:${ports.stats}`);
  return withServerPorts(config, ports.servers);
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
  const configFile = join(await balancerDirectory(cleanup, 'haproxy'), 'haproxy.cfg');
  await writeFile(configFile, options.config);
  const child = spawnBalancer(cleanup, haproxyBinary, ['-db', '-f', configFile]);

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
  await waitUntilAnswering(child, 'haproxy', statsUrl);
  return { url: `http://127.0.0.1:${options.frontendPort}`, serverStates, stderr: child.stderr };
}
