import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runDeployCommand } from '../../src/cli/deploy-command.js';
import { buildCommand, type ImageBuilder } from './image-builders.js';
import { repositoryRoot } from './template-project.js';

const execFileAsync = promisify(execFile);

/**
 * The Node base image the tests build on: `.ci/docker-engine.sh` imports it from this machine's
 * Node, tini and CA certificates, since no image registry is reachable here.
 */
export const nodeBaseImage = process.env.AGENT_GATEWAY_NODE_IMAGE ?? 'agent-gateway-node-base:ci';

/** Runs `docker <args>` and resolves its standard output, trimmed; rejects with its error output. */
export async function docker(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync('docker', [...args], { timeout: timeoutMs, maxBuffer: 64 << 20 });
    return stdout.trim();
  } catch (error) {
    const output = (error as { stderr?: unknown }).stderr;
    const stderr = typeof output === 'string' ? output.trim() : '';
    throw new Error(`docker ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
  }
}

/** Why a container engine cannot run these tests here, or null when it can. */
export async function whyNoContainerEngine(): Promise<string | null> {
  try {
    await docker(['info'], 5000);
  } catch (error) {
    return `no Docker engine answers \`docker info\`: ${(error as Error).message.split('\n')[0] ?? ''}`;
  }
  try {
    await docker(['image', 'inspect', nodeBaseImage], 5000);
  } catch {
    return `the base image ${nodeBaseImage} is missing (run .ci/docker-engine.sh, or set AGENT_GATEWAY_NODE_IMAGE)`;
  }
  return null;
}

/**
 * A project made as a user makes one: the example deploy agent, this repository packed with
 * `npm pack` as its `ai-agent-gateway` dependency (the built package, as npm would install
 * it), and the files `agent-gateway deploy docker` writes. Resolves the project folder.
 */
export async function createDeployProject(): Promise<string> {
  const project = await mkdtemp(join(tmpdir(), 'agent-gateway-image-'));
  await execFileAsync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], {
    cwd: repositoryRoot,
    timeout: 120_000,
  });
  const [tarball] = (await readdir(project)).filter((file) => file.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack wrote no tarball');
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'deploy-image-test',
      private: true,
      type: 'module',
      dependencies: { 'ai-agent-gateway': `file:${tarball}` },
    }),
  );
  await copyFile(join(repositoryRoot, 'examples', '15-deploy', 'agent.ts'), join(project, 'agent.ts'));
  const exitCode = await runDeployCommand(['docker', '--out', project], { out: () => {}, err: () => {} });
  if (exitCode !== 0) throw new Error(`agent-gateway deploy docker exited ${exitCode}`);
  return project;
}

/**
 * Which embedded database an image carries: `include` is the Dockerfile's default (what
 * `docker build -t my-agent .` gives: the embedded PostgreSQL server's binaries), `omit` the
 * `EMBEDDED_DATABASE=omit` build argument (no server binaries; an embedded database is PGlite).
 */
export type EmbeddedDatabaseBuild = 'include' | 'omit';

/**
 * Builds the project's image with `builder` (the classic one by default) on the host network
 * (the engine has no bridge), from the local Node base. With `include` (the default) no
 * `EMBEDDED_DATABASE` argument is given at all, as in the command the docs tell users to run.
 */
export async function buildDeployImage(
  project: string,
  tag: string,
  builder: ImageBuilder = 'classic',
  embeddedDatabase: EmbeddedDatabaseBuild = 'include',
): Promise<void> {
  const command = await buildCommand(builder);
  if (typeof command === 'string') throw new Error(`cannot build with ${builder}: ${command}`);
  const options = [
    '--network',
    'host',
    '--build-arg',
    `NODE_IMAGE=${nodeBaseImage}`,
    ...(embeddedDatabase === 'omit' ? ['--build-arg', 'EMBEDDED_DATABASE=omit'] : []),
    '--build-arg',
    'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
    '--tag',
    tag,
    project,
  ];
  try {
    await execFileAsync(command.program, [...command.words, ...options], {
      env: command.environment,
      timeout: 900_000,
      maxBuffer: 64 << 20,
    });
  } catch (error) {
    const output = (error as { stderr?: unknown }).stderr;
    throw new Error(
      `${builder} build failed: ${typeof output === 'string' ? output.slice(-4000) : String(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** The session secrets every container of the tests shares. */
export const CONTAINER_SECRETS = {
  JWT_SECRET: 'deploy-image-test-secret-0123456789abcdef',
  API_KEYS: 'deploy-test-key',
} as const;

/** Options of `runGatewayContainer`. */
export interface GatewayContainerOptions {
  name: string;
  image: string;
  port: number;
  /** `docker run` options besides the network, the name and the environment. */
  runOptions?: readonly string[];
  environment?: Readonly<Record<string, string>>;
}

/**
 * Starts the image's gateway on the host network, bound to 127.0.0.1 only (the engine has no
 * bridge, and nothing here may listen beyond loopback): the image's own command with the
 * address changed.
 */
export async function runGatewayContainer(options: GatewayContainerOptions): Promise<void> {
  const environment = { ...CONTAINER_SECRETS, PORT: String(options.port), ...options.environment };
  await docker([
    'run',
    '--detach',
    '--name',
    options.name,
    '--network',
    'host',
    ...Object.entries(environment).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
    ...(options.runOptions ?? []),
    options.image,
    'node',
    '/app/node_modules/ai-agent-gateway/bin/agent-gateway.js',
    'serve',
    '/app/agent.ts',
    '--host',
    '127.0.0.1',
    '--log-format',
    'json',
  ]);
}

/** Resolves once the gateway answers its liveness route; rejects with its log if the container stops. */
export async function waitForGateway(name: string, url: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const answered = await fetch(`${url}/api/health`, { signal }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (answered) return;
    if ((await docker(['inspect', '--format', '{{.State.Running}}', name])) !== 'true') {
      throw new Error(
        `container ${name} stopped:\n${await docker(['logs', '--tail', '30', name]).catch(String)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`container ${name} never answered: ${String(signal.reason)}`);
}

/** Opens a session with the containers' API key and resolves its token. */
export async function openSession(url: string): Promise<string> {
  const response = await fetch(`${url}/api/chat/init`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: CONTAINER_SECRETS.API_KEYS }),
  });
  if (response.status !== 200)
    throw new Error(`chat/init answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { session_token: string }).session_token;
}

/**
 * Starts a chat and resolves the streaming response: on a thread (kept in the database), or
 * with `threadId` undefined on none (a gateway on Redis without a database has no threads).
 */
export async function startChat(url: string, token: string, threadId: string | undefined, message: string) {
  const messages = [{ role: 'user', content: message }];
  return fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(threadId === undefined ? { messages } : { thread_id: threadId, messages }),
  });
}

/** The stored messages of a thread, as `role: content` lines. */
export async function threadMessages(url: string, token: string, threadId: string): Promise<string[]> {
  const response = await fetch(`${url}/api/threads/${threadId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 200)
    throw new Error(`GET thread answered ${response.status}: ${await response.text()}`);
  const { messages } = (await response.json()) as { messages: { role: string; content: unknown }[] };
  return messages.map((message) => `${message.role}: ${JSON.stringify(message.content)}`);
}
