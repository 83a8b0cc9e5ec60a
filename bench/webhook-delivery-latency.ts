/**
 * Webhook delivery latency: from a background run's end (its `ended_at`, written by the
 * gateway) to the moment a local receiver has the signed POST and has verified it with the
 * `standardwebhooks` verifier. `--runs` background runs (`POST /runs`, one session each, a
 * scripted model answering one short text) are started at a steady pace, each with its own
 * webhook, on a gateway with PostgreSQL on loopback (a private cluster started by the test
 * helper); once per `server.webhooks.pollIntervalMs` setting given in `--poll` (the default
 * 1 000 ms, and a shorter one). Baselines of the same run: the runs' own duration (202 to
 * `ended_at`) and a plain signed POST from this process to the same receiver (the transport's
 * floor). Gateway, model, receiver and client share this process and its clock.
 *
 *   node --import tsx bench/webhook-delivery-latency.ts [--runs 200] [--every 100] [--poll 1000,100]
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { postgresUnavailableReason, startPostgresServer } from '../test/helpers/postgres-server.js';
import { flagValue, numberFlag } from './lib/cli-flags.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { jsonPoster } from './lib/post-json.js';
import { summarize, type Summary } from './lib/stats.js';

const RUNS = numberFlag('runs', 200);
/** Milliseconds between two run starts (10 runs/s by default: under one instance's 20 per round). */
const EVERY_MS = numberFlag('every', 100);
const POLLS = (flagValue('poll') ?? '1000,100').split(',').map(Number);
const SECRET = `whsec_${Buffer.from('bench-secret-bench-secret-bench!').toString('base64')}`;
const KEY = 'bench';

/** A receiver on 127.0.0.1 that verifies each request and notes when it had it whole. */
async function startReceiver() {
  const verifier = new Webhook(SECRET);
  const arrivals = new Map<string, { receivedAt: number; payload: Record<string, unknown> }>();
  let failures = 0;
  const header = (headers: IncomingHttpHeaders, name: string): string => {
    const value = headers[name];
    return typeof value === 'string' ? value : '';
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = header(request.headers, 'webhook-id');
      try {
        const payload = verifier.verify(Buffer.concat(chunks).toString('utf8'), {
          'webhook-id': id,
          'webhook-timestamp': header(request.headers, 'webhook-timestamp'),
          'webhook-signature': header(request.headers, 'webhook-signature'),
        }) as Record<string, unknown>;
        if (!arrivals.has(id)) arrivals.set(id, { receivedAt: Date.now(), payload });
        response.writeHead(204).end();
      } catch {
        failures += 1;
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    failures: () => failures,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** The baseline: a signed POST from here to the receiver, request start to verified receipt. */
async function plainPosts(receiver: Receiver, count: number): Promise<Summary> {
  const signer = new Webhook(SECRET);
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = `msg_plain_${index}_${Date.now()}`;
    const body = JSON.stringify({ type: 'plain', data: { index } });
    const started = Date.now();
    const at = new Date(started);
    const response = await fetch(receiver.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(started / 1000)),
        'webhook-signature': signer.sign(id, at, body),
      },
      body,
    });
    await response.arrayBuffer();
    const arrival = receiver.arrivals.get(id);
    if (arrival === undefined) throw new Error(`plain POST ${id} not received (${response.status})`);
    samples.push(arrival.receivedAt - started);
    await sleep(EVERY_MS / 4);
  }
  return summarize(samples);
}

/** Starts `RUNS` background runs on a fresh database with `pollIntervalMs`, and times their webhooks. */
async function measure(databaseUrl: string, receiver: Receiver, pollIntervalMs: number) {
  const upstream = await createMockUpstream({
    recordRequests: false,
    anthropic: Array.from({ length: RUNS }, () => textTurn('Done.')),
  });
  const app = createAgent({
    systemPrompt: 'You answer briefly.',
    provider: 'anthropic',
    apiKey: 'bench-key',
    providerConfig: { baseURL: upstream.url },
    server: {
      validApiKeys: [KEY],
      serverSideApiKeys: [KEY],
      database: { postgres: databaseUrl },
      webhooks: { allowedHosts: [receiver.host], pollIntervalMs },
      rateLimit: { requests: RUNS * 10, windowMs: 60_000 },
      sessionRateLimit: { sessions: RUNS * 2, windowMs: 60_000 },
      maxRunsPerApiKey: RUNS * 2,
      metrics: false,
    },
  });
  const server = await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `${server.url}${app.prefix}`;
  const post = jsonPoster(base);
  try {
    const tokens: string[] = [];
    for (let index = 0; index < RUNS; index += 1) {
      tokens.push(
        String((await post('/chat/init', { api_key: KEY, user: `user-${index}` }))['session_token']),
      );
    }
    const acceptedAt = new Map<string, number>();
    const started = Date.now();
    for (const [index, token] of tokens.entries()) {
      await sleep(Math.max(0, started + index * EVERY_MS - Date.now()));
      const sent = Date.now();
      const run = await post(
        '/runs',
        { message: 'go', webhook: { url: receiver.url, secret: SECRET } },
        token,
      );
      acceptedAt.set(`msg_${String(run['run_id'])}_ended`, sent);
    }
    const deadline = Date.now() + 60_000 + pollIntervalMs * 10;
    while ([...acceptedAt.keys()].some((id) => !receiver.arrivals.has(id)) && Date.now() < deadline) {
      await sleep(50);
    }
    const delivery: number[] = [];
    const duration: number[] = [];
    let missing = 0;
    for (const [id, sent] of acceptedAt) {
      const arrival = receiver.arrivals.get(id);
      const data = arrival?.payload['data'] as Record<string, unknown> | undefined;
      const endedAt = typeof data?.['ended_at'] === 'string' ? Date.parse(data['ended_at']) : Number.NaN;
      if (arrival === undefined || Number.isNaN(endedAt)) {
        missing += 1;
        continue;
      }
      delivery.push(arrival.receivedAt - endedAt);
      duration.push(endedAt - sent);
    }
    return {
      pollIntervalMs,
      runs: RUNS,
      missing,
      deliveryMs: summarize(delivery),
      runDurationMs: summarize(duration),
    };
  } finally {
    await app.close();
    await server.close();
    await upstream.close();
  }
}

const skip = postgresUnavailableReason();
if (skip !== undefined) throw new Error(skip);
const postgres = await startPostgresServer();
const receiver = await startReceiver();
try {
  const machine = describeMachine();
  const loadBefore = currentLoad();
  const plainPost = await plainPosts(receiver, RUNS);
  const modes = [];
  for (const poll of POLLS) modes.push(await measure(await postgres.createDatabase(), receiver, poll));
  console.log(
    JSON.stringify(
      {
        machine,
        loadBefore,
        loadAfter: currentLoad(),
        everyMs: EVERY_MS,
        plainPostMs: plainPost,
        modes,
        verifyFailures: receiver.failures(),
      },
      null,
      2,
    ),
  );
} finally {
  await receiver.close();
  await postgres.destroy();
}
