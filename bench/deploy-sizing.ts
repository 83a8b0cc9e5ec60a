/**
 * Sizing for docs/deploy.md: one `agent-gateway serve` (the built package, its default embedded
 * database, the mock model through the Anthropic SDK) holding `--streams` open chats at once
 * (default 100 and 1000), each receiving one text delta every `--delay-ms` (1000). For each
 * size: the gateway's RSS and CPU (its process and children, from /proc) over `--window-s`
 * seconds (10) once every stream has its first delta, and the RSS before any chat.
 *
 *   npx tsx bench/deploy-sizing.ts --out bench/results/deploy/sizing.json
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { benchTurn, formatDirective } from './lib/bench-directive.js';
import { rssOf } from './lib/loop-delay-preload.js';
import { treeCpu } from './lib/process-tree-cpu.js';
import { mapLimited } from './lib/run-workers.js';
import { servingPid } from './lib/serving-process.js';
import { postJson, startServeGateway, stopServeGateway } from './lib/serve-gateway.js';
import { round } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '100,1000' },
    'delay-ms': { type: 'string', default: '1000' },
    'window-s': { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});
const sizes = (values.streams ?? '').split(',').map(Number);
const delayMs = Number(values['delay-ms']);
const windowMs = Number(values['window-s']) * 1000;
const MiB = 2 ** 20;
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Text deltas received by every stream so far (to report the rate actually relayed). */
let deltasReceived = 0;
const decoder = new TextDecoder();

/** Starts a chat that streams until `signal` aborts; resolves once its first bytes arrived. */
async function openStream(base: string, token: string, signal: AbortSignal): Promise<void> {
  const deltas = Math.ceil((windowMs * 4) / delayMs) + 120;
  const response = await postJson(
    `${base}/chat`,
    {
      messages: [
        { role: 'user', content: formatDirective({ kind: 'paced', deltas, delayMs }, token.slice(-8)) },
      ],
    },
    token,
  );
  if (response.status !== 200 || response.body === null) throw new Error(`chat answered ${response.status}`);
  const reader = response.body.getReader();
  signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  const first = await reader.read();
  if (first.done) throw new Error('the stream ended before its first delta');
  // Keep reading (and counting deltas) in the background until the size is done.
  void (async () => {
    for (;;) {
      let chunk: Uint8Array | undefined;
      try {
        const next = await reader.read();
        chunk = next.done ? undefined : (next.value as Uint8Array);
      } catch {
        chunk = undefined;
      }
      if (chunk === undefined) return;
      deltasReceived += decoder.decode(chunk, { stream: true }).split('"type":"text_delta"').length - 1;
    }
  })();
}

async function measureSize(base: string, pid: number, root: number, streams: number) {
  const tokens = await mapLimited(
    Array.from({ length: streams }, (_, index) => index),
    32,
    async (index) =>
      (
        (await (
          await postJson(`${base}/chat/init`, { api_key: 'bench', user: `sizing-${streams}-${index}` })
        ).json()) as {
          session_token: string;
        }
      ).session_token,
  );
  const stop = new AbortController();
  await mapLimited(tokens, 50, (token) => openStream(base, token, stop.signal));
  const cpuBefore = await treeCpu(root);
  const deltasBefore = deltasReceived;
  let peakRss = rssOf(pid);
  for (let elapsed = 0; elapsed < windowMs; elapsed += 250) {
    await sleep(250);
    peakRss = Math.max(peakRss, rssOf(pid));
  }
  const cpuAfter = await treeCpu(root);
  const deltas = deltasReceived - deltasBefore;
  const cpuMs = cpuAfter.rootMs + cpuAfter.descendantsMs - cpuBefore.rootMs - cpuBefore.descendantsMs;
  const figures = {
    streams,
    rssMiB: round(rssOf(pid) / MiB, 1),
    peakRssMiB: round(peakRss / MiB, 1),
    cpuCores: round(cpuMs / windowMs, 3),
    // Deltas the clients received per second, against streams * 1000 / delayMs sent.
    deltasPerSecond: round(deltas / (windowMs / 1000), 0),
    cpuMicrosecondsPerDelta: round((cpuMs * 1000) / Math.max(1, deltas), 1),
    load: round(loadavg()[0] ?? 0, 1),
  };
  stop.abort();
  await sleep(3000);
  return figures;
}

const upstream = await createMockUpstream({ recordRequests: false, respond: benchTurn });
const gateway = await startServeGateway({
  mode: 'default',
  upstreamUrl: upstream.url,
  label: 'deploy-sizing',
  // One address and one key open every stream here: lift the per-address and per-key caps.
  server: { maxConcurrentRuns: 10_000, maxConnectionsPerAddress: 10_000, maxRunsPerApiKey: 10_000 },
});
const root = gateway.child.pid;
if (root === undefined) throw new Error('the gateway has no pid');
// RSS is the serving process's (`serve` re-executes node and waits: the parent holds none of the
// streams); CPU is the whole tree's, the embedded server's included.
const pid = servingPid(root);
try {
  await sleep(2000);
  const idleRssMiB = round(rssOf(pid) / MiB, 1);
  const results = [];
  for (const streams of sizes) results.push(await measureSize(gateway.base, pid, root, streams));
  const report = {
    machine: { cores: cpus().length, node: process.version },
    startMs: gateway.startMs,
    delayMs,
    windowMs,
    idleRssMiB,
    results,
  };
  console.log(JSON.stringify(report, null, 2));
  if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await stopServeGateway(gateway);
  await upstream.close();
}
