import type { Lane } from './floor-lanes.js';
import { median, round } from './stats.js';

/** One lane's figures in one round. */
export interface LaneRound {
  /** Time to first token p50 at c=1, ms (the mock's own: what the others add to). */
  ttftP50Ms: number;
  /** `ttftP50Ms` less the mock model's, measured directly in the same round. */
  addedTtftP50Ms: number;
  /** Chats per second at c=32 (not for `mock`). */
  chatsPerSecond?: number;
  /** CPU of the lane's process tree per chat at c=32, µs (the gateway with its PostgreSQL). */
  cpuUsPerChat?: number;
  /** The same, of the lane's own process only. */
  rootCpuUsPerChat?: number;
  /** RSS of the lane's process plus the PSS of the processes it started, MiB, after the round. */
  memoryMiB?: number;
  /** From spawning to serving, ms. */
  startMs?: number;
}

/** The issue's targets for the default `serve`, against the floor in the same round. */
export const TARGETS = {
  /** chats/s at least this share of the floor's. */
  chatsRatio: 0.5,
  /** added TTFT p50 at most the floor's plus this, ms. */
  ttftOverFloorMs: 0.5,
  /** per-chat CPU (process tree) at most this multiple of the floor's. */
  cpuRatio: 2,
} as const;

/** One row against the floor in one round, and whether it meets each target. */
export interface AgainstFloor {
  chatsRatio: number;
  ttftOverFloorMs: number;
  cpuRatio: number;
  met: { chats: boolean; ttft: boolean; cpu: boolean; all: boolean };
}

const need = (value: number | undefined, what: string): number => {
  if (value === undefined) throw new Error(`no ${what}`);
  return value;
};

/** `row` against `floor`, the figures of one round. */
export function againstFloor(row: LaneRound, floor: LaneRound): AgainstFloor {
  const chatsRatio = round(need(row.chatsPerSecond, 'chats/s') / need(floor.chatsPerSecond, 'chats/s'));
  const ttftOverFloorMs = round(row.addedTtftP50Ms - floor.addedTtftP50Ms);
  const cpuRatio = round(need(row.cpuUsPerChat, 'CPU') / need(floor.cpuUsPerChat, 'CPU'));
  const met = {
    chats: chatsRatio >= TARGETS.chatsRatio,
    ttft: ttftOverFloorMs <= TARGETS.ttftOverFloorMs,
    cpu: cpuRatio <= TARGETS.cpuRatio,
  };
  return { chatsRatio, ttftOverFloorMs, cpuRatio, met: { ...met, all: met.chats && met.ttft && met.cpu } };
}

/** The A/A control against the default `serve` in one round: what the bench's noise is. */
export function controlAgainstDefault(control: LaneRound, first: LaneRound): Record<string, number> {
  return {
    chatsRatio: round(need(control.chatsPerSecond, 'chats/s') / need(first.chatsPerSecond, 'chats/s')),
    addedTtftDiffMs: round(control.addedTtftP50Ms - first.addedTtftP50Ms),
    cpuRatio: round(need(control.cpuUsPerChat, 'CPU') / need(first.cpuUsPerChat, 'CPU')),
  };
}

/**
 * The verdict line: how many rounds met each target, and `MET` when at least three rounds in a
 * row met all three (issue 67's "three rounds in a row meet the targets in one run").
 */
export function verdictLine(rounds: readonly AgainstFloor[]): string {
  const count = (key: keyof AgainstFloor['met']): number => rounds.filter((each) => each.met[key]).length;
  let streak = 0;
  let longest = 0;
  for (const each of rounds) {
    streak = each.met.all ? streak + 1 : 0;
    longest = Math.max(longest, streak);
  }
  return (
    `verdict: ${longest >= 3 ? 'MET' : 'NOT MET'}: the default serve met every target in ${count('all')} of ` +
    `${rounds.length} round(s), ${longest} in a row (3 needed)` +
    ` (chats/s >= ${TARGETS.chatsRatio}x floor: ${count('chats')}; added TTFT p50 <= floor + ${TARGETS.ttftOverFloorMs} ms: ${count('ttft')};` +
    ` CPU per chat <= ${TARGETS.cpuRatio}x floor: ${count('cpu')})`
  );
}

/** Each lane's median over the rounds of each figure. */
export function medians(
  rounds: ReadonlyArray<Partial<Record<Lane, LaneRound>>>,
): Partial<Record<Lane, LaneRound>> {
  const result: Partial<Record<Lane, LaneRound>> = {};
  const lanes = new Set(rounds.flatMap((each) => Object.keys(each) as Lane[]));
  for (const lane of lanes) {
    const of = (key: keyof LaneRound): number =>
      median(rounds.map((each) => each[lane]?.[key]).filter((value): value is number => value !== undefined));
    const figures: LaneRound = { ttftP50Ms: of('ttftP50Ms'), addedTtftP50Ms: of('addedTtftP50Ms') };
    for (const key of [
      'chatsPerSecond',
      'cpuUsPerChat',
      'rootCpuUsPerChat',
      'memoryMiB',
      'startMs',
    ] as const) {
      const value = of(key);
      if (Number.isFinite(value)) figures[key] = value;
    }
    result[lane] = figures;
  }
  return result;
}

const NAMES: Record<Lane, string> = {
  mock: 'the mock model, directly',
  floor: 'the thin relay (floor)',
  default: 'ours, default `serve`',
  control: 'ours, default `serve` again (A/A control)',
  'no-database': 'ours, `--no-database`',
  diy: 'DIY AI SDK `streamText` in Hono',
  mastra: "Mastra's Hono server",
};

const cell = (value: number | undefined, decimals: number): string =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(decimals);

/** The summary table (medians over the rounds), Markdown, for docs/PERFORMANCE.md. */
export function summaryTable(figures: Partial<Record<Lane, LaneRound>>): string {
  const floor = figures.floor;
  const lines = [
    '| target | added TTFT p50 (ms) | chats/s (c=32) | vs the floor | CPU per chat, µs: process / tree | tree vs the floor | memory (MiB) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const lane of ['mock', 'floor', 'default', 'control', 'no-database', 'diy', 'mastra'] as const) {
    const row = figures[lane];
    if (row === undefined) continue;
    const ratio = (value: number | undefined, base: number | undefined): string =>
      value === undefined || base === undefined ? '–' : (value / base).toFixed(2);
    lines.push(
      `| ${NAMES[lane]} | ${lane === 'mock' ? `(${cell(row.ttftP50Ms, 2)} itself)` : cell(row.addedTtftP50Ms, 2)} | ` +
        `${cell(row.chatsPerSecond, 0)} | ${ratio(row.chatsPerSecond, floor?.chatsPerSecond)} | ` +
        `${cell(row.rootCpuUsPerChat, 0)} / ${cell(row.cpuUsPerChat, 0)} | ${ratio(row.cpuUsPerChat, floor?.cpuUsPerChat)} | ${cell(row.memoryMiB, 1)} |`,
    );
  }
  return lines.join('\n');
}
