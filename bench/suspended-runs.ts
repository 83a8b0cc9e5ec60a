/**
 * What a run waiting for a person costs the gateway's memory: 10,000 chats each stopped at an
 * approval, first kept waiting in memory (`suspendAfterMs: false`, the baseline of the same
 * run), then suspended to PostgreSQL (a private cluster on loopback, started by the test
 * helper), each after a warm-up of 1,000 runs of the same kind; and what 10,000 more suspended runs
 * add to a gateway that has suspended 10,000 already (the marginal cost, without the code V8
 * compiles and optimises while the first ones run). Every session has made one
 * authenticated request before the baseline (the token verifier remembers each session). Heap is measured after a forced GC, against the heap with the same 10,000 sessions
 * open and no run, so sessions are not counted. Finished and suspended runs keep their event
 * logs for replays for `streamRetentionMs`; the suspended figure is read once that passed.
 *
 *   node --expose-gc --import tsx bench/suspended-runs.ts [--runs 10000]
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ToolDefinition } from '../src/core/tool.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { toolCallTurn } from '../src/testing/scripted-turn.js';
import { postgresUnavailableReason, startPostgresServer } from '../test/helpers/postgres-server.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 10_000 : Number(process.argv[runsFlag + 1]);
const CONCURRENCY = 50;
const RETENTION_MS = 2_000;
const WARM_UP = 1_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const heap = async (): Promise<number> => {
  for (let round = 0; round < 3; round += 1) {
    gc();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
};

const deleteFile: ToolDefinition = {
  name: 'delete_file',
  description: 'Deletes a file',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

/**
 * Opens `warm + runs` sessions, makes `warm` of them chat first (each chat stops at its
 * approval), then heap before and after the other `runs` chats: with `warm` > 0, what `runs`
 * more waiting runs add to a gateway that has served the same kind of run already.
 */
async function measure(mode: 'memory' | 'suspended', postgres: string | undefined, runs = RUNS, warm = 0) {
  const total = warm + runs;
  const upstream = await createMockUpstream({
    recordRequests: false,
    anthropic: Array.from({ length: total }, (_, index) =>
      toolCallTurn('delete_file', { path: `/tmp/${index}` }, { id: `toolu_${index}` }),
    ),
  });
  const app = createAgent({
    systemPrompt: 'You delete files.',
    provider: 'anthropic',
    apiKey: 'bench-key',
    providerConfig: { baseURL: upstream.url },
    needsApproval: () => true,
    tools: [{ definition: deleteFile, handler: () => ({ deleted: true }) }],
    server: {
      validApiKeys: ['bench'],
      database: postgres === undefined ? false : { postgres },
      suspendAfterMs: mode === 'memory' ? false : 20,
      approvalTimeoutMs: 86_400_000,
      streamRetentionMs: RETENTION_MS,
      disconnectGraceMs: 86_400_000,
      maxConcurrentRuns: RUNS * 2,
      maxRunsPerApiKey: RUNS * 2,
      maxPendingAnswersPerApiKey: RUNS * 2,
      rateLimit: { requests: RUNS * 10, windowMs: 60_000 },
      sessionRateLimit: { sessions: RUNS * 2, windowMs: 60_000 },
      metrics: false,
    },
  });
  const server = await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `${server.url}${app.prefix}`;
  const tokens: string[] = [];
  for (let index = 0; index < total; index += 1) {
    const response = await fetch(`${base}/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'bench' }),
    });
    const token = ((await response.json()) as { session_token?: unknown }).session_token;
    if (typeof token !== 'string') throw new Error(`chat/init answered ${response.status}`);
    tokens.push(token);
  }
  // Each session's token is verified once before the baseline: the verifier remembers it (a
  // per-session cost, not a waiting run's).
  for (const token of tokens) {
    const touched = await fetch(`${base}/chat/stream`, { headers: { authorization: `Bearer ${token}` } });
    await touched.body?.cancel();
  }
  const chat = async (token: string): Promise<void> => {
    const response = await fetch(`${base}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'delete it' }] }),
    });
    if (response.status !== 200)
      throw new Error(`chat answered ${response.status}: ${await response.text()}`);
    const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = mode === 'memory' ? '"tool_approval_request"' : '"run_suspended"';
    for (;;) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      if (text.includes(until)) break;
    }
    // The client goes away; the run goes on waiting (or is suspended already).
    await reader?.cancel();
  };
  let next = 0;
  const chatUntil = (end: number) =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < end) {
          const index = next;
          next += 1;
          await chat(tokens[index] ?? '');
        }
      }),
    );
  const settle = async (): Promise<void> => {
    if (mode !== 'suspended') return;
    await sleep(RETENTION_MS + 1_000);
    // Finished runs leave the registry lazily, at its next call: one resume attempt makes it.
    const touch = await fetch(`${base}/chat/stream`, { headers: { authorization: `Bearer ${tokens[0]}` } });
    await touch.body?.cancel();
  };
  if (warm > 0) {
    await chatUntil(warm);
    await settle();
  }
  const before = await heap();
  const started = performance.now();
  await chatUntil(total);
  const seconds = (performance.now() - started) / 1000;
  await settle();
  const after = await heap();
  await app.close();
  await server.close();
  await upstream.close();
  return { seconds, bytes: after - before };
}

const skip = postgresUnavailableReason();
if (skip !== undefined) throw new Error(skip);
const postgres = await startPostgresServer();
try {
  const machine = describeMachine();
  // Each path once first, so that code the first runs compile (V8 grows its compiled code
  // while it warms up) is not counted as what waiting runs hold.
  await measure('memory', undefined, WARM_UP);
  await measure('suspended', postgres.url, WARM_UP);
  const inMemory = await measure('memory', undefined);
  const suspended = await measure('suspended', postgres.url);
  // The same gateway after it has suspended as many runs already: what more of them hold.
  const suspendedAfterAsMany = await measure('suspended', postgres.url, RUNS, RUNS);
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(2);
  console.log(
    JSON.stringify(
      { machine, load: currentLoad(), runs: RUNS, inMemory, suspended, suspendedAfterAsMany },
      null,
      2,
    ),
  );
  console.log(
    `${RUNS} more runs suspended by a gateway that suspended ${RUNS} already: ` +
      `${mib(suspendedAfterAsMany.bytes)} MiB (${Math.round(suspendedAfterAsMany.bytes / RUNS)} B each)`,
  );
  console.log(
    `${RUNS} runs waiting for an approval: in memory ${mib(inMemory.bytes)} MiB of heap ` +
      `(${Math.round(inMemory.bytes / RUNS)} B each); suspended to PostgreSQL ${mib(suspended.bytes)} MiB ` +
      `(${Math.round(suspended.bytes / RUNS)} B each); ratio ${(suspended.bytes / inMemory.bytes).toFixed(4)}`,
  );
} finally {
  await postgres.stop();
}
