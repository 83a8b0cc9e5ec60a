import type { HarnessFigures, LaneFigures } from './verdict-run.js';
import type { VerdictLane } from './verdict-lanes.js';

/** Issue 81's targets for the default `serve` against `serve --no-database`, in the same run. */
export const VERDICT_TARGETS = {
  /** default chats/s at least this share of `--no-database`'s, at c=32. */
  chatsRatio: 0.9,
  /** added time to first token p50 at most `--no-database`'s plus this, ms. */
  ttftOverMs: 0.3,
  /** memory at most `--no-database`'s plus this, MiB. */
  memoryOverMiB: 64,
  /** the floor's chats/s at least this multiple of the fastest gateway lane's: else the harness was the limit. */
  floorOverGateways: 1.5,
} as const;

/** The checks of one answer length in one run. */
export interface LengthChecks {
  deltas: number;
  /** The floor's chats/s over the fastest gateway lane's (undefined: no floor lane). */
  floorOverFastest?: number;
  /** Whether the harness (client and mock) left the lanes room: `floorOverFastest` met. */
  harnessOk: boolean;
  /** default over `--no-database`: chats/s ratio, TTFT and memory differences. */
  chatsRatio?: number;
  ttftOverMs?: number;
  memoryOverMiB?: number;
  /**
   * The default's PostgreSQL CPU per chat over the whole CPU per chat of `--no-database`: the
   * database's work as a share of a chat's. Steadier than any rate on a loaded machine (the
   * server's work per chat barely moves with the load, as the bytes of the young-GC guard don't).
   */
  databaseShare?: number;
  /** The A/A control's chats/s over the default's (the run's own noise). */
  controlRatio?: number;
  met: { chats: boolean; ttft: boolean; memory: boolean; all: boolean };
}

const ratio = (top: number | undefined, bottom: number | undefined): number | undefined =>
  top === undefined || bottom === undefined || bottom === 0
    ? undefined
    : Math.round((top / bottom) * 1_000) / 1_000;
const difference = (
  top: number | undefined,
  bottom: number | undefined,
  decimals: number,
): number | undefined =>
  top === undefined || bottom === undefined || !Number.isFinite(top - bottom)
    ? undefined
    : Math.round((top - bottom) * 10 ** decimals) / 10 ** decimals;

/** The checks of one answer length, from its lanes' figures. */
export function checkLength(deltas: number, lanes: Partial<Record<VerdictLane, LaneFigures>>): LengthChecks {
  const gateways = (['default', 'control', 'no-database'] as const).flatMap(
    (lane) => lanes[lane]?.chatsPerSecond ?? [],
  );
  const floorOverFastest =
    gateways.length === 0 ? undefined : ratio(lanes.floor?.chatsPerSecond, Math.max(...gateways));
  const durable = lanes.default;
  const bare = lanes['no-database'];
  const checks: LengthChecks = {
    deltas,
    harnessOk: floorOverFastest === undefined || floorOverFastest >= VERDICT_TARGETS.floorOverGateways,
    met: { chats: false, ttft: false, memory: false, all: false },
  };
  if (floorOverFastest !== undefined) checks.floorOverFastest = floorOverFastest;
  const chatsRatio = ratio(durable?.chatsPerSecond, bare?.chatsPerSecond);
  const ttftOverMs = difference(durable?.addedTtftP50Ms, bare?.addedTtftP50Ms, 3);
  const memoryOverMiB = difference(durable?.memoryMiB, bare?.memoryMiB, 1);
  const controlRatio = ratio(lanes.control?.chatsPerSecond, durable?.chatsPerSecond);
  const databaseShare = ratio(durable?.postgresCpuUs, bare?.gatewayCpuUs);
  if (databaseShare !== undefined) checks.databaseShare = databaseShare;
  if (chatsRatio !== undefined) checks.chatsRatio = chatsRatio;
  if (ttftOverMs !== undefined) checks.ttftOverMs = ttftOverMs;
  if (memoryOverMiB !== undefined) checks.memoryOverMiB = memoryOverMiB;
  if (controlRatio !== undefined) checks.controlRatio = controlRatio;
  const chats = chatsRatio !== undefined && chatsRatio >= VERDICT_TARGETS.chatsRatio;
  // A run without time to first token (the CI guard's) does not judge it.
  const ttft = ttftOverMs === undefined || ttftOverMs <= VERDICT_TARGETS.ttftOverMs;
  const memory = memoryOverMiB !== undefined && memoryOverMiB <= VERDICT_TARGETS.memoryOverMiB;
  checks.met = { chats, ttft, memory, all: chats && ttft && memory };
  return checks;
}

const cell = (value: number | undefined, decimals: number): string =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(decimals);

/** The Markdown table of one run: a row per answer length and lane, then the checks. */
export function runTable(
  byDeltas: Record<string, { lanes: Partial<Record<VerdictLane, LaneFigures>>; harness: HarnessFigures }>,
  checks: readonly LengthChecks[],
): string {
  const lines = [
    '| deltas | lane | chats/s (c=32) | CPU per chat µs: gateway / PostgreSQL | added TTFT p50 (ms) | memory (MiB): all / PostgreSQL | 409s per chat |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [deltas, { lanes, harness }] of Object.entries(byDeltas)) {
    for (const [lane, figures] of Object.entries(lanes))
      lines.push(
        `| ${deltas} | ${lane} | ${cell(figures.chatsPerSecond, 0)} | ${cell(figures.gatewayCpuUs, 0)} / ${cell(figures.postgresCpuUs, 0)} | ` +
          `${cell(figures.addedTtftP50Ms, 3)} | ${cell(figures.memoryMiB, 1)} / ${cell(figures.postgresMemoryMiB, 1)} | ${cell(figures.busyRetriesPerChat, 2)} |`,
      );
    lines.push(
      `| ${deltas} | harness (client / mock) | – | ${cell(harness.clientCpuUs, 0)} / ${cell(harness.mockCpuUs, 0)} | – | – | – |`,
    );
  }
  lines.push(
    '',
    '| deltas | floor / fastest gateway (>= 1.5) | default / --no-database chats/s (>= 0.9) | TTFT over (<= +0.3 ms) | RSS over (<= +64 MiB) | A/A control / default | PostgreSQL CPU / --no-database CPU | met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const each of checks)
    lines.push(
      `| ${each.deltas} | ${cell(each.floorOverFastest, 2)}${each.harnessOk ? '' : ' (the harness was the limit)'} | ` +
        `${cell(each.chatsRatio, 3)} | ${cell(each.ttftOverMs, 3)} | ${cell(each.memoryOverMiB, 1)} | ${cell(each.controlRatio, 3)} | ${cell(each.databaseShare, 3)} | ` +
        `${each.met.all ? 'yes' : 'no'} |`,
    );
  return lines.join('\n');
}
