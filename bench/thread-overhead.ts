/**
 * What keeping threads adds to a chat: time to first token and chats per second with threads
 * off (the baseline), on PostgreSQL 15 over loopback (a private cluster started by the test
 * helper, fsync on) and on the embedded engine (PGlite, in this process). The three gateways run
 * side by side in this process and are measured in rounds, their order rotated every round, so
 * that a change in the machine's load hits all three alike; the figures are medians over the
 * rounds of each mode paired with the baseline of the same round. Each chat continues one of 16
 * conversations: with threads, by `thread_id` (the thread is read and the run recorded as the
 * stream starts, its messages written after it ends); without, the client sends the
 * conversation so far, as the original protocol has it, so the model is sent the same history
 * either way. A scripted model answers every request with a short text.
 * TTFT: sequential chats, from the request to the first `text_delta`. Throughput: 16 clients,
 * each with its own session, back to back. With `--history N`, every thread starts with N stored
 * messages (and without threads the client sends those N messages with every chat, as the
 * original protocol has it), and the first chat of each thread (its history not yet read by this
 * process) is timed apart: what reading a long thread adds to the first token.
 *
 *   node --import tsx bench/thread-overhead.ts [--rounds 6] [--chats 40] [--history 0]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '../src/core/messages.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { hashApiKey } from '../src/stores/hash-api-key.js';
import { postgresUnavailableReason, startPostgresServer } from '../test/helpers/postgres-server.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { p50, quantile, round } from './lib/stats.js';
import { backToBack } from './lib/back-to-back.js';
import { openBenchSessions } from './lib/bench-sessions.js';
import { readFirstDelta } from './lib/first-delta.js';
import { numberFlag } from './lib/cli-flags.js';

const ROUNDS = numberFlag('rounds', 6);
/** Sequential chats per mode and round (TTFT); the throughput block is 8 times as many. */
const CHATS = numberFlag('chats', 40);
const HISTORY = numberFlag('history', 0);
const CLIENTS = 16;
const THREADS = 16;
const ANSWER = 'The answer comes in a dozen small pieces so that it streams like a model.';

type Database = false | { postgres: string } | { embedded: { dir: string } };

/** 409 answers (the session's previous run still held its lock) per mode: the client asked again. */
const conflicts = new Map<string, number>();

interface Gateway {
  name: 'off' | 'postgres' | 'embedded';
  /** One chat of `client` in conversation `thread` (default `index % THREADS`); its TTFT. */
  chat(client: number, index: number, thread?: number): Promise<number>;
  close(): Promise<void>;
}

const filler = (bytes: number): string =>
  'lorem ipsum dolor sit amet '.repeat(Math.ceil(bytes / 27)).slice(0, bytes);

/** The `count` messages every thread of the bench starts with (~0.4 KB each). */
const seedMessages = (count: number): Message[] =>
  Array.from({ length: count }, (_, index) =>
    index % 2 === 0
      ? { role: 'user', content: `question ${index}: ${filler(380)}` }
      : { role: 'assistant', content: filler(380) },
  );

/** Seeds every thread of the bench with `count` stored messages. */
async function seedThreads(database: Exclude<Database, false>, prefix: string, count: number): Promise<void> {
  if (count === 0) return;
  const store = await openThreadStore(database);
  const messages = seedMessages(count);
  try {
    const owner = { apiKeyHash: hashApiKey('bench') };
    // Twice as many as the chats use: the others are read for the first time after the warm-up.
    for (let thread = 0; thread < THREADS * 2; thread += 1) {
      const id = `${prefix}${thread}`;
      await store.createThread(owner, { id });
      for (let seq = 0; seq < count; seq += 100) {
        await store.appendMessages(id, 'run_seed', seq, messages.slice(seq, seq + 100));
      }
    }
  } finally {
    await store.close();
  }
}

async function startGateway(
  name: Gateway['name'],
  database: Database,
  upstreamUrl: string,
): Promise<Gateway> {
  const prefix = `thr_bench_${name}_`;
  if (database !== false) await seedThreads(database, prefix, HISTORY);
  // Without threads, the client carries each conversation (as the original protocol has it): the
  // same history the thread would hold, sent whole with every chat and grown by its answers.
  const conversations = new Map<number, Message[]>();
  const carried = (thread: number): Message[] => {
    if (database !== false) return [];
    let conversation = conversations.get(thread);
    if (conversation === undefined) conversations.set(thread, (conversation = seedMessages(HISTORY)));
    return conversation;
  };
  const app = createAgent({
    systemPrompt: 'You answer.',
    provider: 'anthropic',
    apiKey: 'bench-key',
    providerConfig: { baseURL: upstreamUrl },
    server: {
      validApiKeys: ['bench'],
      // Every client's session asserts one end user: they continue the same 16 threads, which
      // belong to their owner (a session without a user owns only its own threads).
      serverSideApiKeys: ['bench'],
      database,
      metrics: false,
      rateLimit: { requests: 1_000_000, windowMs: 60_000 },
      sessionRateLimit: { sessions: 1_000, windowMs: 60_000 },
    },
  });
  const server = await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `${server.url}${app.prefix}`;
  const tokens = await openBenchSessions(base, CLIENTS);
  /** One chat of client `client`; resolves the milliseconds to its first text delta. */
  const chat = async (client: number, index: number, thread = index % THREADS): Promise<number> => {
    let started: number;
    let response: Response;
    // The session's run lock is let go just after the previous stream ended: ask again then.
    for (;;) {
      started = performance.now();
      response = await fetch(`${base}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[client] ?? ''}` },
        body: JSON.stringify({
          messages: [...carried(thread), { role: 'user', content: `question ${index}` }],
          ...(database === false ? {} : { thread_id: `${prefix}${thread}` }),
        }),
      });
      if (response.status !== 409) break;
      conflicts.set(name, (conflicts.get(name) ?? 0) + 1);
      await response.text();
      await sleep(1);
    }
    if (response.status !== 200)
      throw new Error(`${name}: chat answered ${response.status}: ${await response.text()}`);
    const first = await readFirstDelta(response, started, name);
    if (database === false) {
      carried(thread).push(
        { role: 'user', content: `question ${index}` },
        { role: 'assistant', content: ANSWER },
      );
    }
    return first;
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
const postgres = await startPostgresServer({ durable: true });
const folder = await mkdtemp(join(tmpdir(), 'agent-gateway-bench-'));
const upstream = await createMockUpstream({ recordRequests: false, respond: () => textTurn(ANSWER) });
const gateways: Gateway[] = [];
try {
  gateways.push(await startGateway('off', false, upstream.url));
  gateways.push(await startGateway('postgres', { postgres: await postgres.createDatabase() }, upstream.url));
  gateways.push(await startGateway('embedded', { embedded: { dir: folder } }, upstream.url));
  let next = 0;
  for (const gateway of gateways) {
    for (let index = 0; index < 50; index += 1) await gateway.chat(0, index);
  }
  next = 50;
  /**
   * Cold reads, after the warm-up: the first chat of each of 16 threads this process has not read
   * yet (without threads: the first chat of 16 more conversations, which the client sends whole).
   */
  const firstReads = new Map<string, number[]>();
  for (const gateway of gateways) {
    const samples: number[] = [];
    for (let thread = THREADS; thread < THREADS * 2; thread += 1)
      samples.push(await gateway.chat(0, next++, thread));
    firstReads.set(gateway.name, samples);
  }
  const ttft = new Map<string, number[][]>(gateways.map((gateway) => [gateway.name, []]));
  const throughput = new Map<string, number[]>(gateways.map((gateway) => [gateway.name, []]));
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex += 1) {
    const order = gateways.map((_, index) => gateways[(index + roundIndex) % gateways.length] as Gateway);
    for (const gateway of order) {
      const samples: number[] = [];
      for (let index = 0; index < CHATS; index += 1) samples.push(await gateway.chat(0, next++));
      ttft.get(gateway.name)?.push(samples);
      const total = CHATS * 8;
      throughput
        .get(gateway.name)
        ?.push(await backToBack(CLIENTS, total, (client) => gateway.chat(client, next++)));
    }
  }
  const off = { ttft: ttft.get('off') ?? [], throughput: throughput.get('off') ?? [] };
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
      addedTtftP50Ms: round(p50(rounds.map((samples, index) => p50(samples) - p50(off.ttft[index] ?? [])))),
      chatsPerSecondRatio: round(
        p50(perSecond.map((value, index) => value / (off.throughput[index] ?? NaN))),
      ),
      firstChatOfThreadTtftP50: round(p50(firstReads.get(name) ?? [])),
      conflictsAskedAgain: conflicts.get(name) ?? 0,
    };
  };
  console.log(
    JSON.stringify(
      {
        machine: describeMachine(),
        load: currentLoad(),
        rounds: ROUNDS,
        chatsPerRound: CHATS,
        history: HISTORY,
        off: report('off'),
        postgres: report('postgres'),
        embedded: report('embedded'),
      },
      null,
      2,
    ),
  );
} finally {
  for (const gateway of gateways) await gateway.close();
  await upstream.close();
  await postgres.destroy();
  await rm(folder, { recursive: true, force: true });
}
