/**
 * Issue 67: does the gateway keep answering `/api/health` while a paced run's eight stalled
 * followers are cut? A real `serve` gateway (the default, embedded PostgreSQL, or
 * `--no-database`) over loopback; the mock model (in this process) streams one run of
 * `--deltas` text deltas of `--delta-kib` KiB, `--delay-ms` apart. Eight raw sockets follow it
 * and stop reading after their first chunk (the run's own `POST /api/chat` and seven
 * `GET /api/chat/stream`: `maxFollowersPerRun`): their kernel buffers fill, then the gateway's
 * per-stream buffer grows to `maxBufferedBytesPerStream` and the gateway cuts them. Meanwhile a
 * prober in its own process asks `/api/health` every `--probe-ms` and keeps every round trip;
 * a preloaded `monitorEventLoopDelay` in the gateway gives its event-loop delay. Windows:
 * calm (before the run), cutting (from the run's start until the last stalled socket closed),
 * rest (from then until a fresh reader saw the run's end).
 *
 *   npx tsx bench/stalled-followers-health.ts --out bench/results/issue-67/x.json \
 *     --rounds 3 before=main after=worktree
 *
 * Each positional is `label=ref`: a git ref built into a temp folder, `worktree` (this checkout
 * as it is), or a folder `buildServeTree` made earlier (kept); rounds alternate the builds' order. `--cpu-prof DIR` profiles the gateways.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { startHealthProber, type Probe } from '../test/helpers/probe-health.js';
import { stalledRunFollowers, type StalledClient } from '../test/helpers/stalled-client.js';
import { LOOP_DELAY_PRELOAD, loopDelayOf } from './lib/loop-delay-preload.js';
import { BUILD_ROUND_OPTIONS, parseBuildSpecs, runBuildRounds } from './lib/build-rounds.js';
import { postJson, startServeGateway, stopServeGateway, type ServeMode } from './lib/serve-gateway.js';
import { round, summarize } from './lib/stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ...BUILD_ROUND_OPTIONS,
    deltas: { type: 'string', default: '200' },
    'delta-kib': { type: 'string', default: '128' },
    'delay-ms': { type: 'string', default: '10' },
    'probe-ms': { type: 'string', default: '10' },
    'cpu-prof': { type: 'string' },
  },
});
const repositoryRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const rounds = Number(values.rounds);
const deltas = Number(values.deltas);
const deltaBytes = Number(values['delta-kib']) * 1024;
const delayMs = Number(values['delay-ms']);
const probeMs = Number(values['probe-ms']);
const mode = values.mode as ServeMode;
const specs = parseBuildSpecs(positionals.length > 0 ? positionals : ['worktree=worktree']);
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Reads a response to its end; resolves with its last characters. */
async function readToEnd(response: Response): Promise<string> {
  let tail = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      tail = (tail + decoder.decode(chunk, { stream: true })).slice(-300_000);
    }
  } catch {
    // Dropped: the caller resumes from the last id in the tail.
  }
  return tail;
}

/**
 * Follows the session's run once a follower slot is free (429 while the eight stalled clients
 * hold them all) and reads it to its end, resuming from its last `id:` when it is dropped in
 * turn; resolves with when a slot was first free and the tail of the stream.
 */
async function followWhenFree(base: string, token: string): Promise<{ joinedAt: number; tail: string }> {
  let joinedAt: number | undefined;
  let lastId: string | undefined;
  for (;;) {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (lastId !== undefined) headers['last-event-id'] = lastId;
    const response = await fetch(`${base}/chat/stream`, { headers });
    if (response.status === 200) {
      joinedAt ??= performance.now();
      const tail = await readToEnd(response);
      if (tail.includes('stream_complete')) return { joinedAt, tail };
      lastId = [...tail.matchAll(/^id: (\S+)$/gm)].at(-1)?.[1] ?? lastId;
      continue;
    }
    await response.body?.cancel();
    if (response.status !== 429) throw new Error(`GET /chat/stream answered ${response.status}`);
    await sleep(20);
  }
}

const latencyFigures = (prefix: string, probes: readonly Probe[]): Record<string, number> => {
  const latencies = probes.map(([, ms]) => ms);
  const summary = summarize(latencies);
  return {
    [`${prefix}Probes`]: latencies.length,
    [`${prefix}P50Ms`]: round(summary.p50, 2),
    [`${prefix}P99Ms`]: round(summary.p99, 2),
    [`${prefix}MaxMs`]: round(summary.max, 2),
    [`${prefix}Over150`]: latencies.filter((ms) => ms > 150).length,
  };
};

async function measure(label: string, tree: string, roundIndex: number): Promise<Record<string, unknown>> {
  const bigText = Array.from({ length: deltas }, (_, index) => `${index}`.padEnd(deltaBytes, 'x')).join(' ');
  const upstream = await createMockUpstream({
    recordRequests: false,
    respond: (request) =>
      JSON.stringify(request.body).includes('warm')
        ? textTurn('warm answer', { usage: { inputTokens: 1, outputTokens: 2 } })
        : textTurn(bigText, { eventDelayMs: delayMs, usage: { inputTokens: 1, outputTokens: 2 } }),
  });
  const loopDelayFile = join(tree, `loop-delay-${process.pid}.json`);
  const profileDir = values['cpu-prof'];
  const gateway = await startServeGateway({
    mode,
    upstreamUrl: upstream.url,
    label: `stall-${label}`,
    packageRoot: tree,
    files: { 'loop-delay.mjs': LOOP_DELAY_PRELOAD },
    nodeFlags: [
      '--import',
      './loop-delay.mjs',
      ...(profileDir === undefined
        ? []
        : [
            '--cpu-prof',
            `--cpu-prof-dir=${resolve(profileDir)}`,
            `--cpu-prof-name=${label}-${roundIndex}.cpuprofile`,
          ]),
    ],
    env: { BENCH_LOOP_DELAY_FILE: loopDelayFile },
  });
  const prober = startHealthProber(`${gateway.base}/health`, probeMs);
  const stalled: StalledClient[] = [];
  try {
    const port = Number(new URL(gateway.base).port);
    const init = (await (
      await postJson(`${gateway.base}/chat/init`, { api_key: 'bench', user: 'stall' })
    ).json()) as {
      session_token: string;
    };
    const token = init.session_token;
    await readToEnd(
      await postJson(`${gateway.base}/chat`, { messages: [{ role: 'user', content: 'warm' }] }, token),
    );
    await prober.ready;
    await prober.lap();
    await loopDelayOf(gateway.child, loopDelayFile);
    await sleep(1_000);
    const calm = await prober.lap();
    const calmLoop = await loopDelayOf(gateway.child, loopDelayFile);

    const started = performance.now();
    const startedAt = performance.timeOrigin + started;
    stalled.push(...(await stalledRunFollowers(port, token, 7)));
    const { joinedAt, tail } = await followWhenFree(gateway.base, token);
    const runMs = performance.now() - started;
    const during = await prober.lap();
    const runLoop = await loopDelayOf(gateway.child, loopDelayFile);
    const received = await Promise.all(stalled.map((client) => client.rest()));
    const worst = [...during].sort((left, right) => right[1] - left[1]).slice(0, 5);
    return {
      round: roundIndex,
      load1: round(loadavg()[0] ?? 0, 2),
      runMs: round(runMs, 0),
      firstSlotFreeMs: round(joinedAt - started, 0),
      runCompleted: tail.includes('stream_complete') ? 1 : 0,
      followersCut: received.filter((text) => !text.includes('stream_complete')).length,
      ...latencyFigures('calm', calm),
      ...latencyFigures('run', during),
      calmLoopMaxMs: calmLoop.maxMs,
      runLoopMaxMs: runLoop.maxMs,
      runLoopP99Ms: runLoop.p99Ms,
      runLoopMeanMs: runLoop.meanMs,
      worstProbes: worst.map(([sentAt, ms]) => ({ atMs: round(sentAt - startedAt, 0), ms })),
    };
  } finally {
    for (const client of stalled) client.destroy();
    await prober.stop();
    await stopServeGateway(gateway);
    await upstream.close();
    rmSync(loopDelayFile, { force: true });
  }
}

const runs = await runBuildRounds<Record<string, unknown>>({
  repositoryRoot,
  specs,
  rounds,
  measure,
  report: (index, label, figures) =>
    console.log(
      `round ${index + 1} ${label}: health max ${String(figures['runMaxMs'])} ms, p99 ${String(figures['runP99Ms'])} ms, ${String(figures['runOver150'])} over 150 ms of ${String(figures['runProbes'])} (calm max ${String(figures['calmMaxMs'])}); gateway loop delay max ${String(figures['runLoopMaxMs'])} ms, p99 ${String(figures['runLoopP99Ms'])}; ${String(figures['followersCut'])} of 8 cut, a slot free after ${String(figures['firstSlotFreeMs'])} ms, run ${String(figures['runMs'])} ms; load ${String(figures['load1'])}`,
      `  worst: ${JSON.stringify(figures['worstProbes'])}`,
    ),
});
const result = {
  bench: 'stalled-followers-health',
  date: new Date().toISOString(),
  node: process.version,
  mode,
  run: { deltas, deltaBytes, delayMs, probeMs, stalledFollowers: 8 },
  builds: Object.fromEntries(specs.map((spec) => [spec.label, spec.ref])),
  runs,
};
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
