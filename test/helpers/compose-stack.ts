import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { runDeployCommand } from '../../src/cli/deploy-command.js';
import { docker, whyNoContainerEngine } from './deploy-image.js';
import { freePort } from './free-port.js';
import { repositoryRoot } from './template-project.js';

const execFileAsync = promisify(execFile);

/**
 * Stand-ins for the public images compose.yaml names, built by `.ci/docker-engine.sh` from
 * Debian's packages (`.ci/compose-images/Dockerfile`), since no registry is reachable here.
 */
export const STAND_IN_IMAGES = {
  POSTGRES_IMAGE: process.env.AGENT_GATEWAY_POSTGRES_IMAGE ?? 'agent-gateway-postgres:ci',
  REDIS_IMAGE: process.env.AGENT_GATEWAY_REDIS_IMAGE ?? 'agent-gateway-redis:ci',
  HAPROXY_IMAGE: process.env.AGENT_GATEWAY_HAPROXY_IMAGE ?? 'agent-gateway-haproxy:ci',
} as const;

/** The secrets the stack is started with (compose.yaml refuses to start without them). */
export const STACK_SECRETS = {
  JWT_SECRET: 'compose-stack-test-secret-0123456789abcdef',
  // The API key `runResilientChat` opens its sessions with.
  API_KEYS: 'test-client-key',
  POSTGRES_PASSWORD: 'compose-stack-test-password',
} as const;

/** Why the compose stack cannot be brought up here, or null when it can. */
export async function whyNoComposeStack(): Promise<string | null> {
  const engineProblem = await whyNoContainerEngine();
  if (engineProblem !== null) return engineProblem;
  const compose = await execFileAsync('docker-compose', ['version']).then(
    () => null,
    () => 'docker-compose is not installed (apt-get install docker-compose)',
  );
  if (compose !== null) return compose;
  for (const image of Object.values(STAND_IN_IMAGES)) {
    const missing = await docker(['image', 'inspect', '--format', '{{.Id}}', image], 5000).then(
      () => false,
      () => true,
    );
    if (missing) return `the image ${image} is missing (run .ci/docker-engine.sh)`;
  }
  return null;
}

/** The loopback ports the stack's services listen on (host networking: they share the host's). */
export interface StackPorts {
  postgres: number;
  redis: number;
  gateways: readonly [number, number];
  haproxy: number;
  haproxyStats: number;
}

/** Replaces `from` by `to` in the written haproxy.cfg; throws unless it occurs exactly once. */
function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`the written haproxy.cfg must contain "${from}" exactly once`);
  return parts.join(to);
}

/**
 * The written haproxy.cfg on the host network: the frontend and both servers on loopback
 * ports instead of Docker's DNS names (so no resolvers), and a stats page on loopback, which
 * tells the test which instance holds a stream. Everything else (checks, retries) as written.
 */
export function hostNetworkHaproxyConfig(written: string, ports: StackPorts): string {
  let config = replaceOnce(written, 'bind *:8080', `bind 127.0.0.1:${ports.haproxy}`);
  config = replaceOnce(config, 'gateway-1:8000', `127.0.0.1:${ports.gateways[0]}`);
  config = replaceOnce(config, 'gateway-2:8000', `127.0.0.1:${ports.gateways[1]}`);
  config = replaceOnce(config, ' resolvers docker init-addr last,libc,none', '');
  config = config.replace(/^resolvers docker\n(?: {4}.*\n)+/m, '');
  if (config.includes('resolvers'))
    throw new Error('the written haproxy.cfg names resolvers the test cannot replace');
  const stats = `bind 127.0.0.1:${ports.haproxyStats}\n    stats enable\n    stats uri /stats\n`;
  return `${config}\nlisten stats\n    ${stats}`;
}

/** The gateway's command as written, listening on 127.0.0.1 instead of every address. */
function onLoopback(command: readonly string[]): string[] {
  if (!command.includes('0.0.0.0'))
    throw new Error(`the gateway command has no --host 0.0.0.0: ${command.join(' ')}`);
  return command.map((part) => (part === '0.0.0.0' ? '127.0.0.1' : part));
}

/**
 * The override file (`compose.host-network.yaml`, as docs/deploy.md shows) that runs the
 * written compose.yaml on an engine without a bridge: every service on the host network,
 * listening on 127.0.0.1 ports, the addresses that named services now name loopback ports,
 * and the gateways' health checked every 2 s, patient with a loaded machine. Nothing else of
 * the written file changes.
 */
export function hostNetworkOverride(written: string, ports: StackPorts, upstreamUrl: string): string {
  const { services } = parse(written, { merge: true }) as {
    services: Record<string, { command: string[] }>;
  };
  const database = `postgres://agent_gateway:\${POSTGRES_PASSWORD}@127.0.0.1:${ports.postgres}/agent_gateway`;
  const gatewayEnvironment = {
    DATABASE_URL: database,
    REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
    ANTHROPIC_BASE_URL: upstreamUrl,
  };
  const gateway = (index: 0 | 1) => ({
    network_mode: 'host',
    // Docker refuses a hostname on the host network.
    hostname: '',
    environment: { ...gatewayEnvironment, PORT: String(ports.gateways[index]) },
    command: onLoopback(services[`gateway-${index + 1}`]?.command ?? []),
    // The image's own check, asked every 2 s; on a loaded CI machine node takes long to start
    // (and to run the check), so it gets a long start period and many retries before unhealthy.
    healthcheck: { interval: '2s', timeout: '10s', retries: 30, start_period: '180s' },
  });
  const redisCommand = [
    ...(services['redis']?.command ?? []),
    '--bind',
    '127.0.0.1',
    '--port',
    String(ports.redis),
  ];
  // Every string quoted: Compose v1 reads YAML 1.1, where a plain `yes` is a boolean.
  const text = stringify(
    {
      services: {
        postgres: {
          network_mode: 'host',
          environment: { PGPORT: String(ports.postgres) },
          command: ['postgres', '-c', 'listen_addresses=127.0.0.1'],
        },
        redis: {
          network_mode: 'host',
          command: redisCommand,
          healthcheck: { test: ['CMD', 'redis-cli', '-p', String(ports.redis), 'ping'] },
        },
        migrate: { network_mode: 'host', environment: gatewayEnvironment },
        'gateway-1': gateway(0),
        'gateway-2': gateway(1),
        haproxy: {
          network_mode: 'host',
          volumes: ['./haproxy.host-network.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'],
        },
      },
    },
    { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' },
  );
  return text;
}

/** A project written by `agent-gateway deploy compose` for the example agent, with the override. */
export interface ComposeProject {
  folder: string;
  ports: StackPorts;
  /** The compose files `runCompose` passes, in order. */
  files: readonly string[];
}

/**
 * Writes a project as a user has it (the example deploy agent and the files `agent-gateway
 * deploy compose` writes), then the host-network override and haproxy configuration beside it.
 */
export async function createComposeProject(upstreamUrl: string): Promise<ComposeProject> {
  const folder = await mkdtemp(join(tmpdir(), 'agent-gateway-compose-stack-'));
  await writeFile(
    join(folder, 'package.json'),
    JSON.stringify({ name: 'compose-stack-test', private: true }),
  );
  await copyFile(join(repositoryRoot, 'examples', '15-deploy', 'agent.ts'), join(folder, 'agent.ts'));
  const exitCode = await runDeployCommand(['compose', '--out', folder], { out: () => {}, err: () => {} });
  if (exitCode !== 0) throw new Error(`agent-gateway deploy compose exited ${exitCode}`);
  const [postgres, redis, first, second, haproxy, haproxyStats] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const ports: StackPorts = {
    postgres: postgres ?? 0,
    redis: redis ?? 0,
    gateways: [first ?? 0, second ?? 0],
    haproxy: haproxy ?? 0,
    haproxyStats: haproxyStats ?? 0,
  };
  const written = await readFile(join(folder, 'compose.yaml'), 'utf8');
  await writeFile(
    join(folder, 'compose.host-network.yaml'),
    hostNetworkOverride(written, ports, upstreamUrl),
  );
  const haproxyConfig = await readFile(join(folder, 'haproxy.cfg'), 'utf8');
  await writeFile(join(folder, 'haproxy.host-network.cfg'), hostNetworkHaproxyConfig(haproxyConfig, ports));
  return { folder, ports, files: ['compose.yaml', 'compose.host-network.yaml'] };
}

/**
 * The project's compose files resolved into one (`docker-compose config`), without HAProxy's
 * published port: on the host network HAProxy binds its port itself, and Docker's Python
 * client, which Compose v1 drives the engine with, refuses a published port there, while an
 * override file cannot remove a list entry in v1 (v2 can: `ports: !reset []`). Nothing else
 * changes. Resolves the project with that one file.
 */
export async function withoutPublishedPorts(
  project: ComposeProject,
  name: string,
  environment: Readonly<Record<string, string>>,
): Promise<ComposeProject> {
  const resolved = parse(await runCompose(project, name, environment, ['config'])) as {
    services: Record<string, { ports?: unknown[] }>;
  };
  const haproxy = resolved.services['haproxy'];
  if (haproxy?.ports?.length !== 1) throw new Error('the written compose file must publish one HAProxy port');
  delete haproxy.ports;
  for (const [service, definition] of Object.entries(resolved.services)) {
    if (definition.ports !== undefined)
      throw new Error(`${service} publishes a port: the test cannot run it`);
  }
  const file = 'compose.host-network.resolved.yaml';
  await writeFile(
    join(project.folder, file),
    stringify(resolved, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }),
  );
  return { ...project, files: [file] };
}

/**
 * Runs `docker-compose -p <name> -f <file>... <args>` with the project's files in the project with `environment` only (and PATH and HOME): what the user's .env would hold.
 */
export async function runCompose(
  project: ComposeProject,
  name: string,
  environment: Readonly<Record<string, string>>,
  args: readonly string[],
  timeoutMs = 600_000,
): Promise<string> {
  const files = project.files.flatMap((file) => ['-f', file]);
  try {
    const { stdout } = await execFileAsync('docker-compose', ['-p', name, ...files, ...args], {
      cwd: project.folder,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...environment },
      timeout: timeoutMs,
      maxBuffer: 64 << 20,
    });
    return stdout.trim();
  } catch (error) {
    const output = (error as { stderr?: unknown }).stderr;
    throw new Error(
      `docker-compose ${args.join(' ')} failed: ${typeof output === 'string' ? output : String(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** The containers, volumes and networks Compose made for project `name`, one kind per line. */
export async function composeLeftovers(name: string): Promise<string[]> {
  const label = `label=com.docker.compose.project=${name}`;
  const [containers, volumes, networks] = await Promise.all([
    docker(['ps', '--all', '--quiet', '--filter', label]),
    docker(['volume', 'ls', '--quiet', '--filter', label]),
    docker(['network', 'ls', '--quiet', '--filter', label]),
  ]);
  return [
    ...containers
      .split('\n')
      .filter(Boolean)
      .map((id) => `container ${id}`),
    ...volumes
      .split('\n')
      .filter(Boolean)
      .map((id) => `volume ${id}`),
    ...networks
      .split('\n')
      .filter(Boolean)
      .map((id) => `network ${id}`),
  ];
}
