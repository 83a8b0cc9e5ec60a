import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CleanupStack } from '../../helpers/cleanup-stack.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  balancerDirectory,
  binaryUnavailableReason,
  sbinBinary,
  spawnBalancer,
  waitUntilAnswering,
} from './balancer-process.js';
import { documentedBlock, replaceOnce, withServerPorts } from './documented-config.js';

/** The frontend address the documented configuration uses, replaced by a loopback port. */
const DOCUMENTED_LISTEN = 'listen 8080;';

const nginxBinary = sbinBinary('nginx');

/** Why the nginx test cannot run here, or undefined when `nginx` is installed. */
export const nginxUnavailableReason = (): string | undefined =>
  binaryUnavailableReason(nginxBinary, '-v', 'apt-get install nginx');

/**
 * The nginx configuration of docs/scaling.md (its one `nginx` code block, which belongs in the
 * `http` context), with only the listen and server addresses replaced by loopback ports, so
 * the test runs exactly what the documentation recommends.
 */
export function documentedNginxConfig(ports: { frontend: number; servers: readonly number[] }): string {
  const config = replaceOnce(
    documentedBlock('nginx'),
    DOCUMENTED_LISTEN,
    `listen 127.0.0.1:${ports.frontend};`,
  );
  return withServerPorts(config, ports.servers);
}

/**
 * A whole nginx.conf around `http` (the documented block): foreground, one worker, every file
 * (pid, temporary files, access log) in `directory`, errors to stderr. The access log records
 * which instance answered each request (the last address of `$upstream_addr`).
 */
const mainConfig = (directory: string, http: string): string => `daemon off;
worker_processes 1;
pid ${directory}/nginx.pid;
error_log stderr warn;
events {
    worker_connections 1024;
}
http {
    log_format upstreams '$upstream_addr|$upstream_status|$status|$request_method $request_uri';
    access_log ${directory}/access.log upstreams;
    client_body_temp_path ${directory}/client_body;
    proxy_temp_path ${directory}/proxy;
    fastcgi_temp_path ${directory}/fastcgi;
    uwsgi_temp_path ${directory}/uwsgi;
    scgi_temp_path ${directory}/scgi;
${http}
}
`;

/** One access-log line: which instance (`127.0.0.1:<port>`) gave the answer nginx relayed. */
interface Passed {
  upstream: string;
  upstreamStatus: number;
}

const parseAccessLog = (text: string): Passed[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [addresses = '', statuses = ''] = line.split('|');
      // Retries list every attempt (`a, b`); an internal redirect adds ` : `. The last one answered.
      const last = (list: string): string => list.split(/, | : /).at(-1) ?? '';
      return { upstream: last(addresses), upstreamStatus: Number(last(statuses)) };
    });

/** A running `nginx` (foreground) with one configuration. */
export interface NginxProcess {
  /** `http://127.0.0.1:<frontend port>` */
  readonly url: string;
  /**
   * Resolves once nginx relayed an answer below 500 from each of `ports` after this call,
   * sending `GET <path>` requests of its own meanwhile (open-source nginx has no health checks
   * to ask: it tries a failed instance again after `fail_timeout`).
   */
  waitUntilServing(ports: readonly number[], path: string): Promise<void>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
}

/**
 * Starts `nginx -p <tmp> -c <tmp>/nginx.conf` with `http` (the documented block) as its http
 * context and resolves once `GET <readyPath>` answers through it; registered on `cleanup`
 * (SIGTERM, then SIGKILL after 5 s) and killed if the test process exits.
 */
export async function startNginx(
  cleanup: CleanupStack,
  options: { http: string; frontendPort: number; readyPath: string },
): Promise<NginxProcess> {
  const directory = await balancerDirectory(cleanup, 'nginx');
  const configFile = join(directory, 'nginx.conf');
  const accessLog = join(directory, 'access.log');
  await writeFile(configFile, mainConfig(directory, options.http));
  await writeFile(accessLog, '');
  const child = spawnBalancer(cleanup, nginxBinary, ['-p', directory, '-e', 'stderr', '-c', configFile]);
  const url = `http://127.0.0.1:${options.frontendPort}`;
  await waitUntilAnswering(child, 'nginx', `${url}${options.readyPath}`);

  const waitUntilServing = async (ports: readonly number[], path: string): Promise<void> => {
    const from = (await readFile(accessLog, 'utf8')).length;
    const wanted = new Set(ports.map((port) => `127.0.0.1:${port}`));
    await waitFor(
      async () => {
        await fetch(`${url}${path}`).then(
          (response) => response.body?.cancel(),
          () => undefined,
        );
        const passed = parseAccessLog((await readFile(accessLog, 'utf8')).slice(from));
        const served = new Set(
          passed.filter((line) => line.upstreamStatus < 500).map((line) => line.upstream),
        );
        return [...wanted].every((address) => served.has(address)) ? true : undefined;
      },
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        description: () => `nginx to pass requests to ${[...wanted].join(', ')}:\n${child.stderr()}`,
      },
    );
  };
  return { url, waitUntilServing, stderr: child.stderr };
}
