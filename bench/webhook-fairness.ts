/**
 * Webhook fairness: one owner's tarpit against another owner's deliveries, in one run. Owner A
 * starts `--tarpit` background runs (`POST /runs`) whose webhook is a receiver on 127.0.0.1
 * that accepts each request and never answers; then owner B starts `--runs` runs, one every
 * `--every` ms, whose webhook is a receiver that answers 204 at once. Measured for B: from its
 * run's end (`ended_at`, written by the gateway) to the moment B's receiver has the request,
 * p50/p99. One gateway, PostgreSQL 15 on loopback (a private cluster started by the test
 * helper), the default `server.webhooks` settings (10 s attempt timeout, 1 s poll) but for
 * `allowedHosts`; gateway, model, receivers and client share this process and its clock.
 *
 *   node --import tsx bench/webhook-fairness.ts [--tarpit 100] [--runs 20] [--every 250]
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { postgresUnavailableReason, startPostgresServer } from '../test/helpers/postgres-server.js';
import { numberFlag } from './lib/cli-flags.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { jsonPoster } from './lib/post-json.js';
import { summarize } from './lib/stats.js';

const TARPIT_RUNS = numberFlag('tarpit', 100);
const RUNS = numberFlag('runs', 20);
const EVERY_MS = numberFlag('every', 250);
const SECRET = `whsec_${Buffer.from('bench-secret-bench-secret-bench!').toString('base64')}`;
const KEY = 'bench';

/** A receiver on 127.0.0.1: `hold` keeps every request open (a tarpit), else answers 204. */
async function startReceiver(mode: 'hold' | 'answer') {
  const arrivals = new Map<string, { receivedAt: number; body: string }>();
  const held: ServerResponse[] = [];
  const header = (headers: IncomingHttpHeaders, name: string): string => {
    const value = headers[name];
    return typeof value === 'string' ? value : '';
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = header(request.headers, 'webhook-id');
      if (!arrivals.has(id)) {
        arrivals.set(id, { receivedAt: Date.now(), body: Buffer.concat(chunks).toString('utf8') });
      }
      if (mode === 'hold') held.push(response);
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const skip = postgresUnavailableReason();
if (skip !== undefined) throw new Error(skip);
const postgres = await startPostgresServer();
const tarpit = await startReceiver('hold');
const other = await startReceiver('answer');
const upstream = await createMockUpstream({
  recordRequests: false,
  anthropic: Array.from({ length: TARPIT_RUNS + RUNS }, () => textTurn('Done.')),
});
const app = createAgent({
  systemPrompt: 'You answer briefly.',
  provider: 'anthropic',
  apiKey: 'bench-key',
  providerConfig: { baseURL: upstream.url },
  server: {
    validApiKeys: [KEY],
    serverSideApiKeys: [KEY],
    database: { postgres: await postgres.createDatabase() },
    webhooks: { allowedHosts: [tarpit.host, other.host] },
    rateLimit: { requests: (TARPIT_RUNS + RUNS) * 10, windowMs: 60_000 },
    sessionRateLimit: { sessions: (TARPIT_RUNS + RUNS) * 2, windowMs: 60_000 },
    maxRunsPerApiKey: (TARPIT_RUNS + RUNS) * 2,
    metrics: false,
  },
});
const server = await app.listen({ port: 0, host: '127.0.0.1' });
const base = `${server.url}${app.prefix}`;
const post = jsonPoster(base);
const sessionOf = async (user: string): Promise<string> =>
  String((await post('/chat/init', { api_key: KEY, user }))['session_token']);

try {
  const machine = describeMachine();
  const loadBefore = currentLoad();
  const tarpitTokens = await Promise.all(Array.from({ length: TARPIT_RUNS }, () => sessionOf('owner-a')));
  const otherTokens = await Promise.all(Array.from({ length: RUNS }, () => sessionOf('owner-b')));
  for (const token of tarpitTokens) {
    await post('/runs', { message: 'go', webhook: { url: tarpit.url, secret: SECRET } }, token);
  }
  const expected: string[] = [];
  const started = Date.now();
  for (const [index, token] of otherTokens.entries()) {
    await sleep(Math.max(0, started + index * EVERY_MS - Date.now()));
    const run = await post('/runs', { message: 'go', webhook: { url: other.url, secret: SECRET } }, token);
    expected.push(`msg_${String(run['run_id'])}_ended`);
  }
  const deadline = Date.now() + 180_000;
  while (expected.some((id) => !other.arrivals.has(id)) && Date.now() < deadline) await sleep(50);
  const latency: number[] = [];
  let missing = 0;
  for (const id of expected) {
    const arrival = other.arrivals.get(id);
    const payload = arrival === undefined ? undefined : (JSON.parse(arrival.body) as Record<string, unknown>);
    const data = payload?.['data'] as Record<string, unknown> | undefined;
    const endedAt = typeof data?.['ended_at'] === 'string' ? Date.parse(data['ended_at']) : Number.NaN;
    if (arrival === undefined || Number.isNaN(endedAt)) missing += 1;
    else latency.push(arrival.receivedAt - endedAt);
  }
  console.log(
    JSON.stringify(
      {
        machine,
        loadBefore,
        loadAfter: currentLoad(),
        tarpitRuns: TARPIT_RUNS,
        runs: RUNS,
        everyMs: EVERY_MS,
        tarpitRequestsSeen: tarpit.arrivals.size,
        otherMissing: missing,
        otherDeliveryMs: summarize(latency),
      },
      null,
      2,
    ),
  );
} finally {
  await app.close();
  await server.close();
  await upstream.close();
  await tarpit.close();
  await other.close();
  await postgres.destroy();
}
