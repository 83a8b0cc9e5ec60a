import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtPackageEntry, startServeGateway, stopServeGateway } from './serve-gateway.js';
import { diyTarget, floorTarget, gatewayTarget, mastraTarget, type ChatTarget } from './row-chat.js';
import {
  compileServer,
  competitorsDir,
  ensureCompetitors,
  floorSource,
  startListening,
} from './row-servers.js';

/** The rows of issue 67's table. */
export const ROWS = ['floor', 'default', 'no-database', 'diy', 'mastra'] as const;
export type Row = (typeof ROWS)[number];
/**
 * What a round measures: the mock model itself (time to first token only: what every row adds
 * to), the rows, and `control`, a second default `serve` measured like the first (A/A: the
 * bench's own noise).
 */
export type Lane = 'mock' | Row | 'control';

/** A started lane: its chat target and the process whose tree's CPU and memory are its. */
export interface RunningLane {
  lane: Lane;
  target: ChatTarget;
  pid: number;
  /** From spawning to serving, ms. */
  startMs: number;
  stop(): Promise<void>;
}

/** Where the DIY and Mastra servers are compiled to: bare imports resolve to their package. */
const competitorBuild = join(competitorsDir, 'node_modules', '.cache', 'half-the-floor');
const floorBuild = join(tmpdir(), 'half-the-floor-build');

/** Installs and compiles what `lanes` need, once before the rounds. */
export async function prepareLanes(lanes: readonly Lane[]): Promise<void> {
  if (lanes.includes('default') || lanes.includes('no-database') || lanes.includes('control')) {
    if (!existsSync(builtPackageEntry))
      throw new Error(
        `${builtPackageEntry} is missing: run \`npm run build\` first (the gateway rows run the built CLI)`,
      );
  }
  compileServer(floorSource, floorBuild);
  if (!lanes.includes('diy') && !lanes.includes('mastra')) return;
  await ensureCompetitors();
  for (const name of ['diy-ai-sdk-server.ts', 'mastra-server.ts'])
    compileServer(join(competitorsDir, name), competitorBuild);
}

/** Starts one lane's server on `node` against the mock model at `mockUrl` (not `mock` itself). */
export async function startLane(
  lane: Exclude<Lane, 'mock'>,
  node: string,
  mockUrl: string,
): Promise<RunningLane> {
  const started = performance.now();
  if (lane === 'default' || lane === 'control' || lane === 'no-database') {
    const gateway = await startServeGateway({
      mode: lane === 'no-database' ? 'no-database' : 'default',
      upstreamUrl: mockUrl,
      label: 'half-floor',
      execPath: node,
      // The CLI's own default: the request log stays on, as a new user runs it; written to
      // /dev/null (the gateway still formats and writes each line).
      logLevel: 'info',
      stderr: 'ignore',
      serveFlags: ['--log-format', 'json'],
    });
    return {
      lane,
      target: gatewayTarget(lane, gateway.base),
      pid: gateway.child.pid ?? 0,
      startMs: gateway.startMs,
      stop: () => stopServeGateway(gateway),
    };
  }
  const server =
    lane === 'floor'
      ? await startListening(node, join(floorBuild, 'relay-floor.mjs'), { FLOOR_UPSTREAM_URL: mockUrl })
      : await startListening(
          node,
          join(competitorBuild, lane === 'diy' ? 'diy-ai-sdk-server.mjs' : 'mastra-server.mjs'),
          // As deployed: production mode (Mastra's default logger then logs warnings only), and
          // Mastra's telemetry off (nothing leaves the machine).
          { BENCH_UPSTREAM_URL: mockUrl, NODE_ENV: 'production', MASTRA_TELEMETRY_DISABLED: '1' },
        );
  const target =
    lane === 'floor'
      ? floorTarget(server.url)
      : lane === 'diy'
        ? diyTarget(server.url)
        : mastraTarget(server.url);
  return { lane, target, pid: server.pid, startMs: performance.now() - started, stop: () => server.stop() };
}
