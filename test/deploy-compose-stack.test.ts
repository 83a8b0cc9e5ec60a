import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockUpstream, type MockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { deployImageForTests } from './helpers/cached-deploy-image.js';
import {
  STACK_SECRETS,
  STAND_IN_IMAGES,
  composeLeftovers,
  createComposeProject,
  runCompose,
  withoutPublishedPorts,
  whyNoComposeStack,
  type ComposeProject,
} from './helpers/compose-stack.js';
import { watchStackEvents, type StackEventWatch } from './helpers/compose-stack-events.js';
import { docker } from './helpers/deploy-image.js';
import { eventsOf, textOf } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';
import { replayRun, runResilientChat, type ResilientChatRecord } from './redis/helpers/resilient-chat.js';

// The stack `agent-gateway deploy compose` writes, brought up for real with docker-compose: the
// example agent's image built from the repository's Dockerfile, PostgreSQL, Redis, the
// migrations, two gateways and HAProxy. This engine has no bridge, so compose.host-network.yaml
// puts every service on the host network, on loopback ports (docs/deploy.md shows it). Without
// an engine the test skips and says why, except in CI (CI=true).
const stackProblem = await whyNoComposeStack();
const skip = stackProblem !== null && process.env.CI !== 'true';
if (skip) console.warn(`compose stack test skipped: ${stackProblem ?? ''}`);

const projectName = `agcomposestack${process.pid}`;
/** Services in the order compose.yaml starts them: each after the health of what it needs. */
const SERVICES = ['postgres', 'redis', 'migrate', 'gateway-1', 'gateway-2', 'haproxy'] as const;
type Service = (typeof SERVICES)[number];

const words = Array.from({ length: 60 }, (_unused, index) => `word${index}`).join(' ');

describe.skipIf(skip)('the stack of agent-gateway deploy compose, brought up with docker-compose', () => {
  let upstream: MockUpstream;
  let project: ComposeProject | undefined;
  let imageProject: string | undefined;
  let environment: Record<string, string>;
  let events: StackEventWatch | undefined;
  /** Set when the model was asked (the run is streaming): resolves the next ask. */
  let modelAsked: (() => void) | undefined;
  const compose = (args: readonly string[], timeoutMs?: number) => {
    if (project === undefined) throw new Error('no project');
    return runCompose(project, projectName, environment, args, timeoutMs);
  };

  /** The container of a service (also a stopped one). */
  const containerOf = (service: Service): Promise<string> => compose(['ps', '--all', '--quiet', service]);

  /** The gateway that holds the one open stream, by HAProxy's count of current sessions. */
  const gatewayHoldingTheStream = async (): Promise<Service> => {
    if (project === undefined) throw new Error('no project');
    const statsUrl = `http://127.0.0.1:${project.ports.haproxyStats}/stats;csv`;
    return waitFor(
      async () => {
        const [header, ...rows] = (await (await fetch(statsUrl)).text()).split('\n');
        const columns = (header ?? '').replace(/^# /, '').split(',');
        const holding = rows
          .map((row) => row.split(','))
          .filter((cells) => cells[columns.indexOf('pxname')] === 'gateways')
          .filter((cells) => Number(cells[columns.indexOf('scur')]) > 0)
          .map((cells) => cells[columns.indexOf('svname')])
          .filter((name): name is 'gateway-1' | 'gateway-2' => name === 'gateway-1' || name === 'gateway-2');
        return holding.length === 1 ? holding[0] : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, description: () => 'one gateway holding the stream' },
    );
  };

  beforeAll(async () => {
    if (stackProblem !== null) throw new Error(`CI expects the compose stack to run: ${stackProblem}`);
    // Every chat asks for the same slowly streamed answer (6 s), also when a run is taken over.
    upstream = await createMockUpstream({
      respond: () => {
        modelAsked?.();
        return textTurn(`Done: ${words}`, { eventDelayMs: 100 });
      },
      recordRequests: false,
    });
    const built = await deployImageForTests(AbortSignal.timeout(900_000));
    imageProject = built.project;
    const written = await createComposeProject(upstream.url);
    project = written;
    environment = {
      ...STACK_SECRETS,
      ...STAND_IN_IMAGES,
      GATEWAY_IMAGE: built.image,
      HTTP_PORT: String(written.ports.haproxy),
      ANTHROPIC_API_KEY: 'test-key',
    };
    project = await withoutPublishedPorts(written, projectName, environment);
    // `up -d` returns once every service started, each after the health of what it needs.
    events = watchStackEvents(projectName);
    await compose(['up', '--detach', '--no-build'], 600_000);
  }, 1_500_000);

  afterAll(async () => {
    if (project !== undefined) {
      await compose(['down', '--volumes', '--timeout', '5'], 180_000).catch(() => '');
      await rm(project.folder, { recursive: true, force: true });
    }
    if (imageProject !== undefined) await rm(imageProject, { recursive: true, force: true });
    events?.stop();
    await upstream?.close();
  }, 240_000);

  it('starts every service healthy, in order, on the host network without a bridge', async () => {
    for (const service of ['postgres', 'redis', 'gateway-1', 'gateway-2'] as const) {
      const id = await containerOf(service);
      const healthy = await waitFor(
        async () => {
          const health = await docker(['inspect', '--format', '{{.State.Health.Status}}', id]);
          return health === 'healthy' ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, description: () => `${service} healthy` },
      );
      expect(healthy).toBe(true);
    }
    const haproxy = await containerOf('haproxy');
    expect(await docker(['inspect', '--format', '{{.State.Status}}', haproxy])).toBe('running');
    const migrate = await containerOf('migrate');
    expect(await docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', migrate])).toBe(
      'exited 0',
    );
    // Each one started after the health (for the migrations: the exit) of what it needs.
    const seen = events?.stop() ?? [];
    const first = (service: Service, action: string): bigint => {
      const found = seen.find((event) => event.service === service && event.action === action);
      if (found === undefined)
        throw new Error(
          `no "${action}" of ${service}: ${JSON.stringify(seen, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}`,
        );
      return found.at;
    };
    const healthy = 'health_status: healthy';
    expect(first('migrate', 'start')).toBeGreaterThan(first('postgres', healthy));
    for (const gateway of ['gateway-1', 'gateway-2'] as const) {
      expect(first(gateway, 'start')).toBeGreaterThan(first('redis', healthy));
      expect(first(gateway, 'start')).toBeGreaterThan(first('migrate', 'die'));
      expect(first('haproxy', 'start')).toBeGreaterThan(first(gateway, healthy));
    }
    for (const service of SERVICES) {
      const id = await containerOf(service);
      expect(await docker(['inspect', '--format', '{{.HostConfig.NetworkMode}}', id])).toBe('host');
    }
    expect((await composeLeftovers(projectName)).filter((thing) => thing.startsWith('network'))).toEqual([]);
  }, 120_000);

  /** A chat through HAProxy, re-attaching with Last-Event-ID whenever its stream breaks. */
  const chat = (): Promise<ResilientChatRecord> => {
    if (project === undefined) throw new Error('no project');
    const baseUrl = `http://127.0.0.1:${project.ports.haproxy}/api`;
    return runResilientChat({ baseUrl, message: 'Count for me.', signal: AbortSignal.timeout(90_000) });
  };

  /** Each event of the run's log reached the client exactly once, in order, ending the chat. */
  const expectEveryEventOnce = async (record: ResilientChatRecord): Promise<void> => {
    if (project === undefined) throw new Error('no project');
    expect(record.gaveUp).toBeUndefined();
    expect(record.terminal?.type).toBe('stream_complete');
    const log = await replayRun(`http://127.0.0.1:${project.ports.haproxy}/api`, record);
    expect(record.received.map((frame) => frame.id)).toEqual(log.map((frame) => frame.id));
    expect(eventsOf(record.received)).toEqual(eventsOf(log));
  };

  it('serves a chat through HAProxy', async () => {
    const record = await chat();
    await expectEveryEventOnce(record);
    expect(record.reattachments).toBe(0);
    const text = textOf(record.received);
    expect(text).toContain(words);
  }, 120_000);

  it('resumes a chat through HAProxy on the other gateway when its gateway is killed mid-stream', async () => {
    const asked = new Promise<void>((resolve) => {
      modelAsked = resolve;
    });
    const running = chat();
    await asked;
    modelAsked = undefined;
    const victim = await gatewayHoldingTheStream();
    await docker(['kill', await containerOf(victim)]);
    const record = await running;
    // The client re-attached through the balancer to the surviving gateway, which took the run
    // over (`stream_retry`: the interrupted model turn is asked again) and finished it.
    expect(record.reattachments).toBeGreaterThanOrEqual(1);
    expect(eventsOf(record.received).map((event) => event.type)).toContain('stream_retry');
    await expectEveryEventOnce(record);
    const victimState = await docker([
      'inspect',
      '--format',
      '{{.State.ExitCode}}',
      await containerOf(victim),
    ]);
    expect(victimState).toBe('137');
  }, 180_000);

  it('leaves no container, volume or network after down --volumes', async () => {
    // The gateways' /data is an anonymous volume (the image's VOLUME): no project label on it.
    const volumes: string[] = [];
    for (const service of SERVICES) {
      const mounts = await docker([
        'inspect',
        '--format',
        '{{range .Mounts}}{{.Name}} {{end}}',
        await containerOf(service),
      ]);
      volumes.push(...mounts.split(' ').filter(Boolean));
    }
    expect(volumes.length).toBeGreaterThanOrEqual(2);
    await compose(['down', '--volumes', '--timeout', '30'], 180_000);
    expect(await composeLeftovers(projectName)).toEqual([]);
    const remaining = await docker(['volume', 'ls', '--quiet']);
    expect(volumes.filter((volume) => remaining.split('\n').includes(volume))).toEqual([]);
  }, 240_000);
});
