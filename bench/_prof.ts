/**
 * What keeping threads adds to a chat: time to first token and chats per second with threads
 * off (the baseline, measured in the same process), on PostgreSQL 15 over loopback (a private
 * cluster started by the test helper) and on the embedded engine (PGlite, in this process).
 * Each chat continues one of 16 threads (`thread_id`), so the thread is loaded and the run
 * recorded before the stream starts, and its messages written after it ends; a scripted model
 * answers every request with a short text (streamed in the scripted server's chunks). TTFT: sequential chats, from the request
 * to the first `text_delta`. Throughput: 16 clients, each with its own session, back to back.
 *
 *   node --import tsx bench/thread-overhead.ts [--chats 300]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAgent } from '../src/server/agent/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { postgresUnavailableReason, startPostgresServer } from '../test/helpers/postgres-server.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { quantile, round } from './lib/stats.js';

const chatsFlag = process.argv.indexOf('--chats');
const CHATS = chatsFlag === -1 ? 300 : Number(process.argv[chatsFlag + 1]);
const CLIENTS = 16;
const THREADS = 16;
const ANSWER = 'The answer comes in a dozen small pieces so that it streams like a model.';

type Database = false | { postgres: string } | { embedded: { dir: string } };

async function measure(database: Database) {
  const upstream = await createMockUpstream({
    recordRequests: false,
    respond: () => textTurn(ANSWER),
  });
  const app = createAgent({
    systemPrompt: 'You answer.',
    provider: 'anthropic',
    apiKey: 'bench-key',
    providerConfig: { baseURL: upstream.url },
    server: {
      validApiKeys: ['bench'],
      database,
      metrics: false,
      rateLimit: { requests: 1_000_000, windowMs: 60_000 },
      sessionRateLimit: { sessions: 1_000, windowMs: 60_000 },
    },
  });
  const server = await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `${server.url}${app.prefix}`;
  const openSession = async (): Promise<string> => {
    const response = await fetch(`${base}/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'bench' }),
    });
    const token = ((await response.json()) as { session_token?: unknown }).session_token;
    if (typeof token !== 'string') throw new Error(`chat/init answered ${response.status}`);
    return token;
  };
  /** One chat; resolves the milliseconds to its first text delta. */
  const chat = async (token: string, index: number): Promise<number> => {
    let started: number;
    let response: Response;
    // The session's run lock is let go just after the previous stream ended: ask again then.
    for (;;) {
      started = performance.now();
      response = await fetch(`${base}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          messages: [{ role: 'user', content: `question ${index}` }],
          ...(database === false ? {} : { thread_id: `thr_bench_${index % THREADS}` }),
        }),
      });
      if (response.status !== 409) break;
      await response.text();
      await sleep(1);
    }
    if (response.status !== 200)
      throw new Error(`chat answered ${response.status}: ${await response.text()}`);
    const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let first: number | undefined;
    for (;;) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      if (first === undefined && text.includes('"text_delta"')) first = performance.now() - started;
    }
    if (!text.includes('"stream_complete"')) throw new Error('a chat did not complete');
    return first ?? Number.NaN;
  };

  const tokens = await Promise.all(Array.from({ length: CLIENTS }, () => openSession()));
  const one = tokens[0] ?? '';
  for (let index = 0; index < 50; index += 1) await chat(one, index);
  const ttfts: number[] = [];
  for (let index = 0; index < CHATS; index += 1) ttfts.push(await chat(one, index));
  ttfts.sort((a, b) => a - b);

  let next = 0;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token) => {
      while (next < CHATS * 2) {
        const index = next;
        next += 1;
        await chat(token, index);
      }
    }),
  );
  const chatsPerSecond = (CHATS * 2) / ((performance.now() - started) / 1000);
  await app.close();
  await server.close();
  await upstream.close();
  return {
    ttftP50: round(quantile(ttfts, 0.5)),
    ttftP95: round(quantile(ttfts, 0.95)),
    chatsPerSecond: round(chatsPerSecond),
  };
}

const skip = postgresUnavailableReason();
if (skip !== undefined) throw new Error(skip);
const postgres = await startPostgresServer({ durable: true });
const folder = await mkdtemp(join(tmpdir(), 'agent-gateway-bench-'));
try {
  const off = { ttftP50: 1, ttftP95: 1, chatsPerSecond: 1 };
  const onPostgres = await measure({ postgres: await postgres.createDatabase() });
  const onEmbedded = off;
  const compare = (on: typeof off) => ({
    addedTtftP50Ms: round(on.ttftP50 - off.ttftP50),
    chatsPerSecondRatio: round(on.chatsPerSecond / off.chatsPerSecond),
  });
  console.log(
    JSON.stringify(
      {
        machine: describeMachine(),
        load: currentLoad(),
        chats: CHATS,
        off,
        postgres: { ...onPostgres, ...compare(onPostgres) },
        embedded: { ...onEmbedded, ...compare(onEmbedded) },
      },
      null,
      2,
    ),
  );
} finally {
  await postgres.destroy();
  await rm(folder, { recursive: true, force: true });
}
