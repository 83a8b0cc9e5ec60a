/**
 * Issue 67's guard: a long stream (one chat of `--deltas` text deltas `--delay-ms` apart: 10,000
 * over 60 s) and `--clients` concurrent SSE clients (1,000 chats of `--fan-deltas` deltas
 * `--fan-delay-ms` apart, one session each, started 100 every 20 ms) through a real `serve`
 * gateway, for two or more builds: the gateway's peak RSS (from /proc, every 100 ms), its RSS
 * after, its event-loop delay (a preloaded `monitorEventLoopDelay`) and the deltas lost at the
 * clients, per phase. The mock model runs in this process.
 *
 *   npx tsx bench/long-stream-fan-out.ts --out bench/results/issue-67/x.json --rounds 1 \
 *     before=<git ref> after=worktree
 *
 * Each positional is `label=ref`: a git ref built into a temp folder, `worktree` (this checkout
 * as it is) or a folder `buildServeTree` made earlier; rounds alternate the builds' order.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { benchTurn, formatDirective } from './lib/bench-directive.js';
import { BUILD_ROUND_OPTIONS, parseBuildSpecs, runBuildRounds } from './lib/build-rounds.js';
import { LOOP_DELAY_PRELOAD, loopDelayOf, rssOf } from './lib/loop-delay-preload.js';
import { mapLimited } from './lib/run-workers.js';
import { postJson, startServeGateway, stopServeGateway, type ServeMode } from './lib/serve-gateway.js';
import { servingPid } from './lib/serving-process.js';
import { round } from './lib/stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ...BUILD_ROUND_OPTIONS,
    deltas: { type: 'string', default: '10000' },
    'delay-ms': { type: 'string', default: '6' },
    clients: { type: 'string', default: '1000' },
    'fan-deltas': { type: 'string', default: '64' },
    'fan-delay-ms': { type: 'string', default: '20' },
  },
});
const repositoryRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const rounds = Number(values.rounds);
const mode = values.mode as ServeMode;
const long = { kind: 'paced', deltas: Number(values.deltas), delayMs: Number(values['delay-ms']) } as const;
const fan = {
  kind: 'paced',
  deltas: Number(values['fan-deltas']),
  delayMs: Number(values['fan-delay-ms']),
} as const;
const clients = Number(values.clients);
const specs = parseBuildSpecs(positionals);
if (specs.length === 0) throw new Error('usage: long-stream-fan-out.ts [--out FILE] label=ref …');
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** One chat read to its end: how many text deltas reached the client and whether it completed. */
async function chat(
  base: string,
  token: string,
  text: string,
): Promise<{ deltas: number; completed: boolean }> {
  const response = await postJson(
    `${base}/chat`,
    { messages: [{ role: 'user', content: text }] },
    token,
  ).catch(() => undefined);
  if (response === undefined) return { deltas: 0, completed: false };
  if (response.status !== 200) {
    await response.body?.cancel();
    return { deltas: 0, completed: false };
  }
  const decoder = new TextDecoder();
  let carry = '';
  let deltas = 0;
  let completed = false;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const text = carry + decoder.decode(chunk, { stream: true });
      deltas += text.split('"type":"text_delta"').length - 1;
      completed ||= text.includes('"type":"stream_complete"');
      // Keep a tail shorter than the marker, so that a marker split by a chunk counts once.
      carry = text.slice(-17);
    }
  } catch {
    // A dropped stream counts its missing deltas as lost.
  }
  return { deltas, completed };
}

const openSession = async (base: string, user: string): Promise<string> =>
  (
    (await (await postJson(`${base}/chat/init`, { api_key: 'bench', user })).json()) as {
      session_token: string;
    }
  ).session_token;

/** Samples the peak RSS of `pid` every 100 ms until the returned stop is called. */
function samplePeakRss(pid: number | undefined): () => Promise<number> {
  let peak = rssOf(pid);
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      peak = Math.max(peak, rssOf(pid));
      await sleep(100);
    }
  })();
  return async () => {
    sampling = false;
    await loop;
    return peak;
  };
}

const MiB = 2 ** 20;

async function measure(label: string, tree: string, roundIndex: number): Promise<Record<string, number>> {
  const upstream = await createMockUpstream({ recordRequests: false, respond: benchTurn });
  const loopDelayFile = join(tree, `loop-delay-long-${process.pid}.json`);
  const gateway = await startServeGateway({
    mode,
    upstreamUrl: upstream.url,
    label: `long-${label}`,
    packageRoot: tree,
    files: { 'loop-delay.mjs': LOOP_DELAY_PRELOAD },
    nodeFlags: ['--import', './loop-delay.mjs'],
    env: { BENCH_LOOP_DELAY_FILE: loopDelayFile },
    // Every client is one address and one API key: the defaults (256 connections per address,
    // 256 runs, 64 per key) would refuse most of the 1,000.
    server: { maxConcurrentRuns: 10_000, maxConnectionsPerAddress: 10_000, maxRunsPerApiKey: 10_000 },
  });
  // The process that serves: `serve` re-executes node and waits, and the parent holds no stream.
  const pid = servingPid(gateway.child.pid ?? 0);
  try {
    const base = gateway.base;
    const tokens = await mapLimited(
      Array.from({ length: clients }, (_, index) => index),
      32,
      (index) => openSession(base, `fan-${index}`),
    );
    const longToken = await openSession(base, 'long');
    await mapLimited(tokens.slice(0, 20), 10, (token, index) =>
      chat(base, token, formatDirective({ kind: 'short', words: 8 }, `warm${index}`)),
    );
    await sleep(500);
    const rssBeforeLong = rssOf(pid);
    await loopDelayOf(gateway.child, loopDelayFile);
    let stopRss = samplePeakRss(pid);
    const longStarted = performance.now();
    const longChat = await chat(base, longToken, formatDirective(long, 'long'));
    const longMs = performance.now() - longStarted;
    const longPeak = await stopRss();
    const longLoop = await loopDelayOf(gateway.child, loopDelayFile);
    await sleep(500);
    const rssAfterLong = rssOf(pid);

    stopRss = samplePeakRss(pid);
    const fanStarted = performance.now();
    const running: Array<Promise<{ deltas: number; completed: boolean }>> = [];
    for (let index = 0; index < clients; index += 1) {
      running.push(chat(base, tokens[index] ?? '', formatDirective(fan, `fan${index}`)));
      if ((index + 1) % 100 === 0) await sleep(20);
    }
    const fanChats = await Promise.all(running);
    const fanMs = performance.now() - fanStarted;
    const fanPeak = await stopRss();
    const fanLoop = await loopDelayOf(gateway.child, loopDelayFile);
    await sleep(500);
    const rssAfterFan = rssOf(pid);
    return {
      round: roundIndex,
      load1: round(loadavg()[0] ?? 0, 2),
      longMs: round(longMs, 0),
      longLost: long.deltas - longChat.deltas + (longChat.completed ? 0 : 1),
      longRssBeforeMiB: round(rssBeforeLong / MiB, 1),
      longPeakRssMiB: round(longPeak / MiB, 1),
      longRssAfterMiB: round(rssAfterLong / MiB, 1),
      longLoopMaxMs: longLoop.maxMs,
      longLoopP99Ms: longLoop.p99Ms,
      longLoopMeanMs: longLoop.meanMs,
      fanMs: round(fanMs, 0),
      fanLost: fanChats.reduce((sum, result) => sum + fan.deltas - result.deltas, 0),
      fanIncomplete: fanChats.filter((result) => !result.completed).length,
      fanPeakRssMiB: round(fanPeak / MiB, 1),
      fanRssAfterMiB: round(rssAfterFan / MiB, 1),
      fanLoopMaxMs: fanLoop.maxMs,
      fanLoopP99Ms: fanLoop.p99Ms,
      fanLoopMeanMs: fanLoop.meanMs,
    };
  } finally {
    await stopServeGateway(gateway);
    await upstream.close();
    rmSync(loopDelayFile, { force: true });
  }
}

const runs = await runBuildRounds({
  repositoryRoot,
  specs,
  rounds,
  measure,
  report: (index, label, figures) => console.log(`round ${index + 1} ${label}: ${JSON.stringify(figures)}`),
});
const result = {
  bench: 'long-stream-fan-out',
  date: new Date().toISOString(),
  node: process.version,
  mode,
  long,
  fan: { ...fan, clients },
  builds: Object.fromEntries(specs.map((spec) => [spec.label, spec.ref])),
  runs,
};
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
