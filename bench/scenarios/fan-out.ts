import { setMaxListeners } from 'node:events';
import { formatDirective } from '../lib/bench-directive.js';
import { startBenchStack, type BenchStack } from '../lib/bench-stack.js';
import { createDirectSdkClient } from '../lib/direct-sdk-client.js';
import { createGatewayLoadClient } from '../lib/gateway-load-client.js';
import type { ProcessStats } from '../lib/process-stats.js';
import { mapLimited } from '../lib/run-workers.js';
import { show, table, type BenchConfig, type Scenario } from '../lib/scenario.js';
import { round, summarize } from '../lib/stats.js';
import type { ChatRequest, StreamObservation } from '../lib/stream-observation.js';

/** Streams started per ramp step, and the pause between steps (a burst of 2,000 SYNs overflows the accept queue). */
const RAMP_BATCH = 100;
const RAMP_PAUSE_MS = 20;
const FIRST_TEXT_TIMEOUT_MS = 60_000;

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Starts `count` streams in ramp batches; resolves with every observation once all ended. */
async function startRamped(
  count: number,
  start: (index: number) => Promise<StreamObservation>,
): Promise<StreamObservation[]> {
  const running: Array<Promise<StreamObservation>> = [];
  for (let index = 0; index < count; index += 1) {
    running.push(start(index));
    if ((index + 1) % RAMP_BATCH === 0) await sleep(RAMP_PAUSE_MS);
  }
  return Promise.all(running);
}

interface StreamsSummary {
  /** Deltas missing, and `id:` sequence numbers skipped, in streams that were accepted (HTTP 200). */
  lost: number;
  /** Streams never accepted: the connection or the request failed (e.g. a connect timeout). */
  refused: number;
  /** Accepted streams that ended without `stream_complete`. */
  incomplete: number;
  gapP50: number;
  gapP99: number;
  gapMax: number;
  firstTextP50: number;
  firstTextP99: number;
  /** Most streams open at the same moment, as the client saw them. */
  peakOpen: number;
  /** Why the refused streams were refused (status or error text, first 80 characters): count. */
  refusedBecause: Map<string, number>;
}

function peakConcurrency(observations: readonly StreamObservation[]): number {
  const edges: Array<[number, number]> = [];
  for (const observation of observations) {
    edges.push([observation.startedAt, 1], [observation.startedAt + observation.totalMs, -1]);
  }
  edges.sort((left, right) => left[0] - right[0] || left[1] - right[1]);
  let open = 0;
  let peak = 0;
  for (const [, change] of edges) {
    open += change;
    peak = Math.max(peak, open);
  }
  return peak;
}

function summariseStreams(observations: StreamObservation[], expectedDeltas: number): StreamsSummary {
  let lost = 0;
  let refused = 0;
  let incomplete = 0;
  const refusedBecause = new Map<string, number>();
  const gaps: number[] = [];
  const firstTexts: number[] = [];
  for (const observation of observations) {
    if (observation.status !== 200) {
      refused += 1;
      const reason = `${observation.status === 0 ? 'no response' : `HTTP ${observation.status}`}: ${(observation.errorText ?? '').slice(0, 80)}`;
      refusedBecause.set(reason, (refusedBecause.get(reason) ?? 0) + 1);
      continue;
    }
    lost += Math.max(0, expectedDeltas - observation.textDeltas) + observation.missingSeq;
    if (observation.terminal !== 'stream_complete') incomplete += 1;
    if (observation.firstTextMs !== undefined) firstTexts.push(observation.firstTextMs);
    for (const gap of observation.gapsMs) gaps.push(gap);
  }
  const summary = summarize(gaps);
  const firstText = summarize(firstTexts);
  return {
    lost,
    refused,
    incomplete,
    gapP50: summary.p50,
    gapP99: summary.p99,
    gapMax: summary.max,
    firstTextP50: firstText.p50,
    firstTextP99: firstText.p99,
    peakOpen: peakConcurrency(observations),
    refusedBecause,
  };
}

/** Idle streams: RSS and heap of the gateway per open stream that waits for its model. */
async function measureIdle(stack: BenchStack, tokens: string[]): Promise<Record<string, number>> {
  const gateway = createGatewayLoadClient(stack.gateway.url);
  const before = await stack.gateway.request<ProcessStats>('stats');
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  let opened = 0;
  let allOpen: () => void = () => undefined;
  const allOpenSignal = new Promise<void>((resolve) => {
    allOpen = resolve;
  });
  const streams = startRamped(tokens.length, (index) => {
    const request: ChatRequest = {
      text: formatDirective({ kind: 'stall' }, `idle${index}`),
      signal: stop.signal,
      onFirstText: () => {
        opened += 1;
        if (opened === tokens.length) allOpen();
      },
    };
    return gateway.chat(tokens[index] ?? '', request);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    allOpenSignal,
    new Promise((resolve) => (timer = setTimeout(resolve, FIRST_TEXT_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  await sleep(500);
  const during = await stack.gateway.request<ProcessStats>('stats');
  stop.abort();
  await streams;
  const count = Math.max(1, opened);
  return {
    idleStreamsOpened: opened,
    rssPerIdleStreamKiB: round((during.rssBytes - before.rssBytes) / count / 1024, 1),
    heapPerIdleStreamKiB: round((during.heapUsedBytes - before.heapUsedBytes) / count / 1024, 1),
    externalPerIdleStreamKiB: round((during.externalBytes - before.externalBytes) / count / 1024, 1),
  };
}

async function runSize(
  config: BenchConfig,
  size: number,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  // Grace 0: the idle streams are dropped by the client at the end, and their runs should go too.
  const stack = await startBenchStack({ buildDir: config.buildDir, disconnectGraceMs: 0 });
  try {
    const gateway = createGatewayLoadClient(stack.gateway.url);
    const direct = createDirectSdkClient(stack.upstream.url);
    const tokens = await mapLimited(
      Array.from({ length: size }, (_, index) => index),
      32,
      () => gateway.openSession(),
    );
    await mapLimited(tokens.slice(0, 50), 10, (token, index) =>
      gateway.chat(token, { text: formatDirective({ kind: 'short', words: 8 }, `warm${index}`) }),
    );
    const idle = await measureIdle(stack, tokens);
    await sleep(1_000);

    const directive = { kind: 'paced', deltas: config.fanOutDeltas, delayMs: config.fanOutDelayMs } as const;
    let peakRss = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const stats = await stack.gateway.request<ProcessStats>('statsNow');
        peakRss = Math.max(peakRss, stats.rssBytes);
        await sleep(250);
      }
    })();
    const before = await stack.gateway.request<ProcessStats>('statsNow');
    const gatewayStreams = await startRamped(size, (index) =>
      gateway.chat(tokens[index] ?? '', {
        text: formatDirective(directive, `fan${index}`),
        collectGaps: true,
      }),
    );
    sampling = false;
    await sampler;
    const viaGateway = summariseStreams(gatewayStreams, config.fanOutDeltas);
    const directStreams = await startRamped(size, (index) =>
      direct.chat({ text: formatDirective(directive, `dfan${index}`), collectGaps: true }),
    );
    const viaDirect = summariseStreams(directStreams, config.fanOutDeltas);
    log(
      `  ${size} streams: gateway lost ${viaGateway.lost} (refused ${viaGateway.refused}), gap p99 ${viaGateway.gapP99} ms, peak open ${viaGateway.peakOpen} | direct lost ${viaDirect.lost} (refused ${viaDirect.refused}), gap p99 ${viaDirect.gapP99} ms, peak open ${viaDirect.peakOpen} | ${idle['rssPerIdleStreamKiB']} KiB RSS per idle stream`,
    );
    for (const [path, summary] of [
      ['gateway', viaGateway],
      ['direct', viaDirect],
    ] as const) {
      for (const [reason, count] of summary.refusedBecause) log(`    ${path} refused ${count}× — ${reason}`);
    }
    const figuresOf = (path: 'Gateway' | 'Direct', summary: StreamsSummary): Record<string, number> => ({
      [`s${size}${path}Lost`]: summary.lost,
      [`s${size}${path}Refused`]: summary.refused,
      [`s${size}${path}Incomplete`]: summary.incomplete,
      [`s${size}${path}GapP50Ms`]: summary.gapP50,
      [`s${size}${path}GapP99Ms`]: summary.gapP99,
      [`s${size}${path}GapMaxMs`]: summary.gapMax,
      [`s${size}${path}FirstTextP50Ms`]: summary.firstTextP50,
      [`s${size}${path}FirstTextP99Ms`]: summary.firstTextP99,
      [`s${size}${path}PeakOpen`]: summary.peakOpen,
    });
    return {
      ...figuresOf('Gateway', viaGateway),
      ...figuresOf('Direct', viaDirect),
      [`s${size}GatewayPeakRssMiB`]: round(peakRss / 2 ** 20, 1),
      [`s${size}GatewayRssBeforeMiB`]: round(before.rssBytes / 2 ** 20, 1),
      [`s${size}IdleStreamsOpened`]: idle['idleStreamsOpened'] ?? 0,
      [`s${size}RssPerIdleStreamKiB`]: idle['rssPerIdleStreamKiB'] ?? Number.NaN,
      [`s${size}HeapPerIdleStreamKiB`]: idle['heapPerIdleStreamKiB'] ?? Number.NaN,
      [`s${size}ExternalPerIdleStreamKiB`]: idle['externalPerIdleStreamKiB'] ?? Number.NaN,
      pacingMs: config.fanOutDelayMs,
      deltasPerStream: config.fanOutDeltas,
    };
  } finally {
    await stack.close();
  }
}

/** Scenario 3: many concurrent paced streams; lost events, gaps, memory per open stream. */
export const fanOutScenario: Scenario = {
  id: 'fanout',
  title: '3. Fan-out: concurrent paced streams',
  method: (config) =>
    `For each size (${config.fanOutSizes.join(', ')}): one session per stream; first that many ` +
    "streams whose model sends one delta and then waits (idle streams), to read the gateway's RSS, " +
    `heap and external memory per open stream (after a forced GC, against the same process before); then ` +
    `that many concurrent streams of ${config.fanOutDeltas} deltas ${config.fanOutDelayMs} ms apart, ` +
    `started in batches of ${RAMP_BATCH} every ${RAMP_PAUSE_MS} ms, through the gateway and then ` +
    'directly through the SDK. Lost = deltas missing at the client plus skipped `id:` sequence numbers, ' +
    'in streams the server accepted; refused = streams whose connection or request failed before a ' +
    'response (counted apart: nothing was lost from them, they never started); peak open = most streams ' +
    'open at once at the client; gap = time between consecutive deltas of a stream at the client. ' +
    'Gateway `disconnectGraceMs: 0` ' +
    "(so the idle streams' runs end when the client drops them).",
  targets: [
    {
      label: '1,000 streams: 0 lost events',
      figure: 's1000GatewayLost',
      limit: 0,
      kind: 'atMost',
      unit: 'events',
    },
    {
      label: '1,000 streams: p99 gap ≤ pacing + 25 ms (45 ms)',
      figure: 's1000GatewayGapP99Ms',
      limit: 45,
      kind: 'atMost',
      unit: 'ms',
    },
    {
      label: '≤ 64 KiB RSS per idle open stream',
      figure: 's1000RssPerIdleStreamKiB',
      limit: 64,
      kind: 'atMost',
      unit: 'KiB',
    },
  ],
  async run(config, log) {
    const figures: Record<string, number> = {};
    for (const size of config.fanOutSizes) Object.assign(figures, await runSize(config, size, log));
    return { figures };
  },
  render(figures) {
    const sizes = Object.keys(figures)
      .map((name) => /^s(\d+)GatewayLost$/.exec(name)?.[1])
      .filter((size): size is string => size !== undefined);
    const row = (size: string, path: 'Gateway' | 'Direct'): string[] => [
      size,
      path === 'Gateway' ? 'gateway' : 'direct SDK',
      show(figures[`s${size}${path}PeakOpen`]),
      show(figures[`s${size}${path}Lost`]),
      show(figures[`s${size}${path}Refused`]),
      show(figures[`s${size}${path}Incomplete`]),
      show(figures[`s${size}${path}GapP50Ms`], 1),
      show(figures[`s${size}${path}GapP99Ms`], 1),
      show(figures[`s${size}${path}GapMaxMs`], 1),
      show(figures[`s${size}${path}FirstTextP50Ms`], 0),
      path === 'Gateway' ? show(figures[`s${size}RssPerIdleStreamKiB`], 1) : '',
      path === 'Gateway' ? show(figures[`s${size}HeapPerIdleStreamKiB`], 1) : '',
      path === 'Gateway' ? show(figures[`s${size}GatewayPeakRssMiB`], 1) : '',
    ];
    return table(
      [
        'streams',
        'path',
        'peak open',
        'lost events',
        'refused',
        'incomplete',
        'gap p50 (ms)',
        'gap p99 (ms)',
        'gap max (ms)',
        'first delta p50 (ms)',
        'RSS / idle stream (KiB)',
        'heap / idle stream (KiB)',
        'peak RSS (MiB)',
      ],
      sizes.flatMap((size) => [row(size, 'Gateway'), row(size, 'Direct')]),
    );
  },
};
