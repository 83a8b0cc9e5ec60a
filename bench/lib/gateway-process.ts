/**
 * Child process: the system under test. A `createAgent` gateway (Anthropic provider through the
 * official SDK) pointed at the benchmark mock upstream, with one local tool, on 127.0.0.1.
 *
 * Environment: BENCH_UPSTREAM_URL (required), BENCH_DISCONNECT_GRACE_MS (default: the
 * gateway's own), BENCH_TRACK_LISTENERS=1 to install the listener census (costs a little CPU
 * per listener, so only the leak-hunting scenarios use it), BENCH_DATABASE=embedded to keep runs
 * in the embedded database as `serve` does by default (a PostgreSQL server in a fresh folder).
 * IPC commands: `stats` (after settling garbage when run with --expose-gc), `statsNow`,
 * `heapSnapshot` (writes one to the temp directory and returns its path).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { installListenerCensus, type ListenerCensus } from './listener-census.js';

// Before anything else is loaded, so that every listener of the gateway is seen.
const census: ListenerCensus | undefined =
  process.env['BENCH_TRACK_LISTENERS'] === '1' ? installListenerCensus() : undefined;

const { createAgent } = await import('../../src/server/assembly/create-agent.js');
const { tool } = await import('../../src/tools/define-tool.js');
const { BENCH_TOOL_NAME } = await import('./bench-directive.js');
const { serveIpcCommands } = await import('./child-process-handle.js');
const { collectProcessStats, settleGarbage } = await import('./process-stats.js');

const upstreamUrl = process.env['BENCH_UPSTREAM_URL'];
if (upstreamUrl === undefined) throw new Error('BENCH_UPSTREAM_URL is required');
const grace = process.env['BENCH_DISCONNECT_GRACE_MS'];
// `BENCH_TRANSPORT=sdk` runs the provider on the plain SDK path (A/B of the lean transport).
const transport = process.env['BENCH_TRANSPORT'] === 'sdk' ? 'sdk' : 'lean';
// The durable default of `serve` (issue 45): a folder the server's account can pass through.
const databaseDir =
  process.env['BENCH_DATABASE'] === 'embedded' ? await mkdtemp(join(tmpdir(), 'bench-database-')) : undefined;
if (databaseDir !== undefined) await chmod(databaseDir, 0o755);

const app = createAgent({
  systemPrompt: 'You are the benchmark agent.',
  provider: 'anthropic',
  apiKey: 'bench-key',
  providerConfig: { baseURL: upstreamUrl, transport },
  tools: [
    tool({
      name: BENCH_TOOL_NAME,
      description: 'Echoes its input back.',
      inputSchema: { type: 'object', properties: { value: { type: 'string' } } },
      execute: (input) => ({ echoed: input['value'] ?? null }),
    }),
  ],
  server: {
    ...(grace === undefined ? {} : { disconnectGraceMs: Number(grace) }),
    ...(databaseDir === undefined ? {} : { database: { embedded: { dir: join(databaseDir, 'data') } } }),
    // The fan-out scenario holds up to 2,000 runs at once; the default admits 256, and 64 per
    // API key (every bench client uses one key, from one address).
    maxConcurrentRuns: 10_000,
    // ... all of them from one address (the benchmark's client on loopback); the default is 256.
    maxConnectionsPerAddress: 10_000,
    maxRunsPerApiKey: 10_000,
    sessionRateLimit: { sessions: 1_000_000, windowMs: 60_000 },
    // The A2A route, for the adapter comparison (bench/adapter-cost-over-sockets.ts --routes).
    a2a: true,
    mcp: { toolName: 'ask_agent' },
    onError: (error, where) => console.error(`[bench gateway] ${where}:`, error),
  },
});
const server = await app.listen({ host: '127.0.0.1', port: 0 });

serveIpcCommands(
  {
    stats: async () => {
      await settleGarbage();
      return collectProcessStats(census);
    },
    statsNow: () => collectProcessStats(census),
    // For memory investigations: summarise with bench/summarize-heap-snapshot.ts.
    heapSnapshot: async () => {
      await settleGarbage();
      return writeHeapSnapshot(join(tmpdir(), `bench-gateway-${process.pid}-${Date.now()}.heapsnapshot`));
    },
  },
  async () => {
    await app.close();
    await server.close();
    if (databaseDir !== undefined) await rm(databaseDir, { recursive: true, force: true });
  },
);
process.send?.({ ready: true, url: `${server.url}${app.prefix}` });
