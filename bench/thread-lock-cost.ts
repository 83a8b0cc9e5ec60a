/**
 * What the thread lock (one run per thread at a time) costs a chat: time to first token and chats
 * per second of thread-continued chats, this build against a build without the lock, side by side
 * in one process. The build without it is a source tree given by `--before DIR` (a `git archive`
 * of the commit before the lock, with a `node_modules` link), loaded through tsx like this one.
 * Both gateways keep their threads in PostgreSQL 15 over loopback (a private cluster started by
 * the test helper, a database each) and talk to one scripted model in this process.
 * They are measured in rounds, the order alternating every round, so that the load of other work
 * on a shared machine hits both alike; each figure is the median over the rounds of this build
 * paired with the other build's of the same round.
 * TTFT: sequential chats of one client over 16 threads, from the request to the first
 * `text_delta`. Throughput: 16 clients, each with its own session and its own thread, back to
 * back (so neither build ever has two runs in one thread: the same work for both).
 *
 *   git archive <commit> src package.json | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/
 *   node --import tsx bench/thread-lock-cost.ts --before /tmp/base [--rounds 6] [--chats 40]
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { postgresUnavailableReason, startPostgresServer } from '../test/helpers/postgres-server.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { flagValue, numberFlag } from './lib/cli-flags.js';
import { p50, quantile, round } from './lib/stats.js';
import { backToBack } from './lib/back-to-back.js';
import { openBenchSessions } from './lib/bench-sessions.js';
import { readFirstDelta } from './lib/first-delta.js';

const ROUNDS = numberFlag('rounds', 6);
/** Sequential chats per build and round (TTFT); the throughput block is 8 times as many. */
const CHATS = numberFlag('chats', 40);
const CLIENTS = 16;
const THREADS = 16;
const ANSWER = 'The answer comes in a dozen small pieces so that it streams like a model.';
const beforeDir = flagValue('before');
if (beforeDir === undefined) throw new Error('--before DIR (the source tree without the lock) is required');

type CreateAgent = typeof createAgent;

interface Gateway {
  name: 'before' | 'after';
  /** One chat of `client` in thread `thread`; its TTFT (ms). */
  chat(client: number, index: number, thread: number): Promise<number>;
  close(): Promise<void>;
}

async function startGateway(
  name: Gateway['name'],
  create: CreateAgent,
  postgres: string,
  upstreamUrl: string,
): Promise<Gateway> {
  const app = create({
    systemPrompt: 'You answer.',
    provider: 'anthropic',
    apiKey: 'bench-key',
    providerConfig: { baseURL: upstreamUrl },
    server: {
      validApiKeys: ['bench'],
      serverSideApiKeys: ['bench'],
      database: { postgres },
      metrics: false,
      rateLimit: { requests: 1_000_000, windowMs: 60_000 },
      sessionRateLimit: { sessions: 1_000, windowMs: 60_000 },
    },
  });
  const server = await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `${server.url}${app.prefix}`;
  const tokens = await openBenchSessions(base, CLIENTS);
  const chat = async (client: number, index: number, thread: number): Promise<number> => {
    let started: number;
    let response: Response;
    // The session's lock is let go just after the previous stream ended: ask again then.
    for (;;) {
      started = performance.now();
      response = await fetch(`${base}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[client] ?? ''}` },
        body: JSON.stringify({
          messages: [{ role: 'user', content: `question ${index}` }],
          thread_id: `thr_lock_${name}_${thread}`,
        }),
      });
      if (response.status !== 409) break;
      await response.text();
    }
    if (response.status !== 200)
      throw new Error(`${name}: chat answered ${response.status}: ${await response.text()}`);
    return readFirstDelta(response, started, name);
  };
  return {
    name,
    chat,
    close: async () => {
      await app.close();
      await server.close();
    },
  };
}

const skip = postgresUnavailableReason();
if (skip !== undefined) throw new Error(skip);
const before = (await import(
  pathToFileURL(resolve(beforeDir, 'src/server/assembly/create-agent.ts')).href
)) as {
  createAgent: CreateAgent;
};
const postgres = await startPostgresServer({ durable: true });
const upstream = await createMockUpstream({ recordRequests: false, respond: () => textTurn(ANSWER) });
const gateways: Gateway[] = [];
try {
  gateways.push(
    await startGateway('before', before.createAgent, await postgres.createDatabase(), upstream.url),
  );
  gateways.push(await startGateway('after', createAgent, await postgres.createDatabase(), upstream.url));
  let next = 0;
  for (const gateway of gateways) {
    for (let index = 0; index < 100; index += 1) await gateway.chat(0, next++, index % THREADS);
  }
  const ttft = new Map<string, number[][]>(gateways.map((gateway) => [gateway.name, []]));
  const throughput = new Map<string, number[]>(gateways.map((gateway) => [gateway.name, []]));
  /** This process's CPU time per chat in each throughput block (client, gateway and model alike). */
  const cpuPerChat = new Map<string, number[]>(gateways.map((gateway) => [gateway.name, []]));
  const loads: number[] = [];
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex += 1) {
    loads.push(currentLoad());
    const order = roundIndex % 2 === 0 ? gateways : [...gateways].reverse();
    for (const gateway of order) {
      const samples: number[] = [];
      for (let index = 0; index < CHATS; index += 1)
        samples.push(await gateway.chat(0, next++, index % THREADS));
      ttft.get(gateway.name)?.push(samples);
      const total = CHATS * 8;
      const cpuBefore = process.cpuUsage();
      throughput
        .get(gateway.name)
        ?.push(await backToBack(CLIENTS, total, (client) => gateway.chat(client, next++, client)));
      const cpu = process.cpuUsage(cpuBefore);
      cpuPerChat.get(gateway.name)?.push((cpu.user + cpu.system) / total);
    }
  }
  const beforeTtft = ttft.get('before') ?? [];
  const beforeThroughput = throughput.get('before') ?? [];
  const report = (name: string) => {
    const rounds = ttft.get(name) ?? [];
    const perSecond = throughput.get(name) ?? [];
    return {
      ttftP50: round(p50(rounds.flat())),
      ttftP95: round(
        quantile(
          [...rounds.flat()].sort((a, b) => a - b),
          0.95,
        ),
      ),
      chatsPerSecond: round(p50(perSecond)),
      addedTtftP50Ms: round(p50(rounds.map((samples, index) => p50(samples) - p50(beforeTtft[index] ?? [])))),
      chatsPerSecondRatio: round(
        p50(perSecond.map((value, index) => value / (beforeThroughput[index] ?? NaN))),
      ),
      cpuPerChatUs: round(p50(cpuPerChat.get(name) ?? []), 1),
      addedCpuPerChatUs: round(
        p50(
          (cpuPerChat.get(name) ?? []).map(
            (value, index) => value - (cpuPerChat.get('before')?.[index] ?? NaN),
          ),
        ),
        1,
      ),
      perRound: rounds.map((samples, index) => ({
        ttftP50: round(p50(samples)),
        chatsPerSecond: round(perSecond[index] ?? NaN),
      })),
    };
  };
  console.log(
    JSON.stringify(
      {
        machine: describeMachine(),
        loadPerRound: loads.map((load) => round(load, 2)),
        rounds: ROUNDS,
        chatsPerRound: CHATS,
        before: report('before'),
        after: report('after'),
      },
      null,
      2,
    ),
  );
} finally {
  for (const gateway of gateways) await gateway.close();
  await upstream.close();
  await postgres.destroy();
}
