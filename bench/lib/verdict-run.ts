import { readFile } from 'node:fs/promises';
import { createLeanConnection, type LeanConnection, type LeanTarget } from './lean-load-client.js';
import { busyRetries, chatText, leanChat, leanChatsFor } from './lean-chats.js';
import { currentLoad } from './machine-info.js';
import { sampleTreeMemory } from './process-tree-memory.js';
import { median, p50, round } from './stats.js';
import { splitTreeCpu } from './tree-cpu-by-command.js';
import { flagValue, numberFlag } from './cli-flags.js';
import { interleaved } from './interleaved.js';
import { startVerdictLane, type StartedLane, type VerdictLane } from './verdict-lanes.js';

/** One lane's figures at one answer length in one run. */
export interface LaneFigures {
  chatsPerSecond: number;
  /** CPU per chat at c=`concurrency`, µs: the lane's processes but PostgreSQL's, and PostgreSQL's. */
  gatewayCpuUs: number;
  postgresCpuUs: number;
  /** Time to first token p50 at c=1, less the mock model's own p50 in the same slices, ms. */
  addedTtftP50Ms: number;
  /** Chats sent again per chat because the session's previous run still held it (409). */
  busyRetriesPerChat: number;
  /**
   * RSS of the lane's process plus the PSS of the processes under it, MiB: the median of its
   * readings every `memorySampleMs` while its memory slices run (one reading moves by tens of MiB
   * with the heap's state; a reading after each slice, six in all, was a draw from that).
   */
  memoryMiB: number;
  /** The part of `memoryMiB` that is PostgreSQL's processes' PSS (the same median's slices). */
  postgresMemoryMiB?: number;
  /**
   * Chats/s and gateway CPU per chat (µs) of each throughput slice, in the order run: whether a
   * lane's distance to another holds slice after slice (the lane's own process) or moves (the
   * machine). In the raw results only.
   */
  slices?: Array<{ chatsPerSecond: number; gatewayCpuUs: number }>;
}

/**
 * How often a lane's memory is read while its memory slices run, ms (`--memory-sample-ms`).
 * Each reading walks the page tables of the lane's processes (PSS) from this process, the load
 * client's: under a lane with more processes (the embedded server's eight) it costs the client
 * more. Read while the rates were measured, it took 10-15 µs of the client's CPU per chat and
 * about 5% of the default lane's rate against `--no-database` (docs/PERFORMANCE.md): so the
 * readings have slices of their own, under the same load, whose rates are not counted.
 */
const MEMORY_SAMPLE_MS = 250;

/** The median of memory readings in bytes, MiB (NaN without readings: memory not measured). */
const mibOf = (readings: readonly number[]): number =>
  readings.length === 0 ? Number.NaN : round(median(readings) / 2 ** 20, 1);

/** What the load client and the mock model cost per chat, over every lane's throughput slices. */
export interface HarnessFigures {
  clientCpuUs: number;
  mockCpuUs: number;
}

/** Settings of one run. */
export interface VerdictRunSettings {
  lanes: readonly VerdictLane[];
  deltas: readonly number[];
  concurrency: number;
  /** Measured seconds of chats per lane and answer length, in `slices` slices. */
  seconds: number;
  /** Seconds of chats per lane and answer length whose memory is read, in `slices` slices (0: none). */
  memorySeconds: number;
  slices: number;
  warmSeconds: number;
  /**
   * Chats each lane serves at least before the first length is measured (its JIT settles by
   * chats, not seconds: a loaded machine serves fewer in the same time); at most 30 s a lane.
   */
  warmChats: number;
  /** Chats at c=1 per lane and answer length for time to first token (0: not measured). */
  ttftChats: number;
  /** How often a lane's memory is read while its throughput slices run, ms. */
  memorySampleMs: number;
  node: string;
  mockUrl: string;
  mockPid: number;
  /** A copy of the built package for a lane (the double-write experiment). */
  packageRoots: Partial<Record<VerdictLane, string>>;
  /** Every gateway lane's clients sign in as principals of one tenant (`startVerdictLane`). */
  tenantSessions?: boolean;
  /** Lanes that serve the `budget` lane's budget besides it (a control lane built otherwise). */
  budgetLanes?: readonly VerdictLane[];
}

/** `--memory-sample-ms`: at least 10 ms (a reading takes a few), `MEMORY_SAMPLE_MS` when absent. */
function memorySampleMsFlag(): number {
  const ms = numberFlag('memory-sample-ms', MEMORY_SAMPLE_MS);
  if (!(ms >= 10)) throw new Error(`--memory-sample-ms takes milliseconds (at least 10), not ${String(ms)}`);
  return ms;
}

/**
 * The run settings every verdict bench reads from its flags (`--runs`, `--deltas`,
 * `--concurrency`, `--seconds`, `--slices`, `--warm-seconds`, `--warm-chats`, `--ttft-chats`,
 * `--memory-seconds` (`--seconds` when absent: a shorter window sees less of the heap's swing), `--memory-sample-ms`).
 */
export function verdictTimingFlags(defaultDeltas: string) {
  return {
    runs: numberFlag('runs', 1),
    deltas: (flagValue('deltas') ?? defaultDeltas).split(',').map(Number),
    concurrency: numberFlag('concurrency', 32),
    seconds: numberFlag('seconds', 12),
    memorySeconds: numberFlag('memory-seconds', numberFlag('seconds', 12)),
    slices: numberFlag('slices', 6),
    warmSeconds: numberFlag('warm-seconds', 4),
    warmChats: numberFlag('warm-chats', 4_000),
    ttftChats: numberFlag('ttft-chats', 120),
    memorySampleMs: memorySampleMsFlag(),
  };
}

/** One run's figures by answer length, then lane. */
export interface VerdictRunResult {
  load: { start: number; end: number };
  byDeltas: Record<string, { lanes: Partial<Record<VerdictLane, LaneFigures>>; harness: HarnessFigures }>;
}

const cpuMsOf = async (pid: number): Promise<number> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0) * 10;
};
const ownCpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1_000;
};

const mockTarget = (mockUrl: string): LeanTarget => ({
  name: 'mock',
  url: `${mockUrl}/v1/messages`,
  firstTokenMarker: '"text_delta"',
  body: (text) =>
    JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      stream: true,
      messages: [{ role: 'user', content: text }],
    }),
});
const mockHeaders = {
  'content-type': 'application/json',
  'x-api-key': 'bench-key',
  'anthropic-version': '2023-06-01',
};

/**
 * One run: every lane started fresh (in `order`), then for each answer length a warm-up, time to
 * first token at c=1 and chats/s at c=`concurrency`, all interleaved; the lanes stopped.
 */
export async function verdictRun(
  settings: VerdictRunSettings,
  order: readonly VerdictLane[],
): Promise<VerdictRunResult> {
  const started = new Map<VerdictLane, StartedLane>();
  const connections = new Map<VerdictLane | 'mock', LeanConnection[]>();
  const result: VerdictRunResult = { load: { start: currentLoad(), end: 0 }, byDeltas: {} };
  try {
    for (const lane of order)
      started.set(
        lane,
        await startVerdictLane(lane, {
          node: settings.node,
          mockUrl: settings.mockUrl,
          packageRoot: settings.packageRoots[lane],
          tenantSessions: settings.tenantSessions,
          budget: settings.budgetLanes?.includes(lane),
        }),
      );
    for (const [lane, running] of started)
      connections.set(
        lane,
        await Promise.all(
          Array.from({ length: settings.concurrency }, async (_, index) =>
            createLeanConnection(running.target, await running.openClient(index)),
          ),
        ),
      );
    connections.set('mock', [createLeanConnection(mockTarget(settings.mockUrl), mockHeaders)]);
    const of = <Value>(map: ReadonlyMap<string, Value>, lane: string): Value => {
      const value = map.get(lane);
      if (value === undefined) throw new Error(`no lane ${lane}`);
      return value;
    };
    for (const [index, deltas] of settings.deltas.entries()) {
      await interleaved(order, settings.slices, (lane) =>
        leanChatsFor(of(connections, lane), deltas, settings.warmSeconds / settings.slices),
      );
      // Fresh processes: more warm-up, one second a lane at a time, until each has served
      // `warmChats` chats (or 30 s).
      const warmed = new Map<VerdictLane, number>(order.map((lane) => [lane, 0]));
      for (let second = 0; index === 0 && second < 30; second += 1) {
        const cold = order.filter((lane) => (warmed.get(lane) ?? 0) < settings.warmChats);
        if (cold.length === 0) break;
        for (const lane of cold) {
          const { chats } = await leanChatsFor(of(connections, lane), deltas, 1);
          warmed.set(lane, (warmed.get(lane) ?? 0) + chats);
        }
      }
      const perSlice = Math.ceil(settings.ttftChats / settings.slices);
      const ttfts = await interleaved(
        ['mock', ...order] as const,
        perSlice > 0 ? settings.slices : 0,
        async (lane) => {
          const [connection] = of(connections, lane);
          const times: number[] = [];
          for (let chat = 0; chat < perSlice && connection !== undefined; chat += 1)
            times.push((await leanChat(connection, chatText(deltas, chat), true)) ?? Number.NaN);
          return times;
        },
      );
      let harnessClientMs = 0;
      let harnessMockMs = 0;
      let allChats = 0;
      const rates = await interleaved(order, settings.slices, async (lane) => {
        const pid = of(started, lane).pid;
        const busyBefore = busyRetries.count;
        const [before, clientBefore, mockBefore] = [
          await splitTreeCpu(pid),
          ownCpuMs(),
          await cpuMsOf(settings.mockPid),
        ];
        const { chats, ms } = await leanChatsFor(
          of(connections, lane),
          deltas,
          settings.seconds / settings.slices,
        );
        const [after, clientAfter, mockAfter] = [
          await splitTreeCpu(pid),
          ownCpuMs(),
          await cpuMsOf(settings.mockPid),
        ];
        harnessClientMs += clientAfter - clientBefore;
        harnessMockMs += mockAfter - mockBefore;
        allChats += chats;
        return {
          chats,
          ms,
          busy: busyRetries.count - busyBefore,
          gatewayMs: after.gatewayMs - before.gatewayMs,
          postgresMs: after.postgresMs - before.postgresMs,
        };
      });
      // Memory apart from the rates: reading it costs this process (the client) CPU.
      const memory = await interleaved(
        order,
        settings.memorySeconds > 0 ? settings.slices : 0,
        async (lane) => {
          const readings = sampleTreeMemory(of(started, lane).pid, settings.memorySampleMs);
          await leanChatsFor(of(connections, lane), deltas, settings.memorySeconds / settings.slices);
          return readings.stop();
        },
      );
      const mockTtft = p50(of(ttfts, 'mock').flat());
      const lanes: Partial<Record<VerdictLane, LaneFigures>> = {};
      for (const lane of order) {
        const slices = of(rates, lane);
        const sum = (key: 'chats' | 'ms' | 'busy' | 'gatewayMs' | 'postgresMs'): number =>
          slices.reduce((total, slice) => total + slice[key], 0);
        const chats = Math.max(1, sum('chats'));
        lanes[lane] = {
          chatsPerSecond: round(sum('chats') / (sum('ms') / 1_000), 1),
          gatewayCpuUs: round((sum('gatewayMs') * 1_000) / chats, 1),
          postgresCpuUs: round((sum('postgresMs') * 1_000) / chats, 1),
          addedTtftP50Ms: round(p50(of(ttfts, lane).flat()) - mockTtft, 3),
          busyRetriesPerChat: round(sum('busy') / chats, 3),
          memoryMiB: mibOf(of(memory, lane).flatMap(({ totals }) => totals)),
          postgresMemoryMiB: mibOf(of(memory, lane).flatMap(({ postgres }) => postgres)),
          slices: slices.map((slice) => ({
            chatsPerSecond: round(slice.chats / (slice.ms / 1_000), 1),
            gatewayCpuUs: round((slice.gatewayMs * 1_000) / Math.max(1, slice.chats), 1),
          })),
        };
      }
      result.byDeltas[String(deltas)] = {
        lanes,
        harness: {
          clientCpuUs: round((harnessClientMs * 1_000) / Math.max(1, allChats), 1),
          mockCpuUs: round((harnessMockMs * 1_000) / Math.max(1, allChats), 1),
        },
      };
    }
  } finally {
    for (const list of connections.values()) for (const connection of list) connection.close();
    for (const running of started.values()) await running.stop();
  }
  result.load.end = currentLoad();
  return result;
}
