/**
 * The verdict bench of issue 67, "half the floor": every row of its table in one run, on one
 * `node` (Node 22 for every row), against the same mock model (its own process, Anthropic wire
 * format, 8 text deltas per chat):
 * - `floor`: the thin relay (bench/relay-floor.ts, plain `node:http`);
 * - `default`: ours, `agent-gateway serve` with the embedded PostgreSQL (the built CLI: `npm run
 *   build` first), at the CLI's default log level (the request log on); `control`: the same
 *   again, measured like the others (A/A: the bench's own noise);
 * - `no-database`: ours, `serve --no-database`;
 * - `diy`: an AI SDK `streamText` route in Hono; `mastra`: Mastra's Hono server (both from
 *   bench/competitors, a package of their own, installed on demand with `npm ci --prefix`).
 *
 * Every round starts every lane fresh, warms each up (`--warm-seconds` at c=32, interleaved),
 * then measures, the lanes interleaved slice by slice (`--slices`, the order reversed every other
 * slice, and rotated and reversed from round to round) so that the machine's drift reaches all:
 * - added time to first token p50 at c=1: `--chats` (300) chats per lane, request to first text
 *   delta, less the mock model's own p50 measured directly in the same slices;
 * - chats/s at c=`--concurrency` (32) over `--seconds` (8) per lane, one user per client;
 * - CPU per chat: the lane's process tree's CPU (`/proc`, with the gateway's PostgreSQL) over the
 *   chats of its throughput slices; and its memory (RSS, plus its children's PSS) after them.
 * Each round checks the default `serve` against the issue's targets (chats/s >= 0.5x the
 * floor's, added TTFT p50 <= the floor's + 0.5 ms, CPU per chat <= 2x the floor's); the last line
 * is the verdict (`MET`: three rounds in a row met all three).
 * Raw results: bench/results/issue-67/half-the-floor-<time>.json.
 *
 *   npm run build && node --import tsx bench/half-the-floor.ts --node <Node 22's bin/node>
 *     [--rounds 3] [--chats 300] [--seconds 8] [--concurrency 32] [--slices 4] [--warm-seconds 20]
 *     [--rows floor,default,no-database,diy,mastra] [--no-control]
 * `BENCH_NODE` stands for `--node`; without either, every row runs on this process's node.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startChildProcess } from './lib/child-process-handle.js';
import { flagValue, numberFlag } from './lib/cli-flags.js';
import { prepareLanes, ROWS, startLane, type Lane, type Row, type RunningLane } from './lib/floor-lanes.js';
import { interleaved } from './lib/interleaved.js';
import {
  againstFloor,
  controlAgainstDefault,
  medians,
  summaryTable,
  verdictLine,
  type AgainstFloor,
  type LaneRound,
} from './lib/floor-verdict.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { treeCpu } from './lib/process-tree-cpu.js';
import { treeMemory } from './lib/process-tree-memory.js';
import { chatFor, chatOnce, connectionRetries, mockTarget } from './lib/row-chat.js';
import { atLeast, rowNode } from './lib/row-servers.js';
import { p50, round } from './lib/stats.js';

const rows = (flagValue('rows') ?? ROWS.join(',')).split(',') as Row[];
/** The run's settings, from the command line (see above), kept with its results. */
const settings = {
  rounds: numberFlag('rounds', 3),
  chats: numberFlag('chats', 300),
  seconds: numberFlag('seconds', 8),
  concurrency: numberFlag('concurrency', 32),
  slices: numberFlag('slices', 4),
  // 20 s: a gateway's JIT (its compiler threads) is still settling after 8 s, adding CPU per chat
  // that a server in service does not pay (docs/PERFORMANCE.md, "Half the floor").
  warmSeconds: numberFlag('warm-seconds', 20),
  rows,
  control: rows.includes('default') && !process.argv.includes('--no-control'),
};
const { rounds: ROUNDS, chats: CHATS, seconds: SECONDS, concurrency: CONCURRENCY, slices: SLICES } = settings;
for (const row of rows)
  if (!ROWS.includes(row)) throw new Error(`--rows: no row ${row} (${ROWS.join(', ')})`);
const node = rowNode(flagValue('node'));
if (rows.includes('mastra') && !atLeast(node.version, 22, 13))
  throw new Error(
    `Mastra needs Node >= 22.13 (this is ${node.version}): pass --node, or leave mastra out of --rows`,
  );

/** The lanes with servers of their own, in their base order (the control right after `default`). */
const served: Array<Exclude<Lane, 'mock'>> = rows.flatMap((row) =>
  row === 'default' && settings.control ? (['default', 'control'] as const) : [row],
);

const at = <Value>(map: ReadonlyMap<Lane, Value>, lane: Lane): Value => {
  const value = map.get(lane);
  if (value === undefined) throw new Error(`no ${lane} in this round`);
  return value;
};

/** One round: every lane started fresh, warmed, measured interleaved, stopped. */
async function measureRound(
  index: number,
  mockUrl: string,
  mockPid: number,
): Promise<Partial<Record<Lane, LaneRound>>> {
  const rotated = [...served.slice(index % served.length), ...served.slice(0, index % served.length)];
  const order = index % 2 === 0 ? rotated : rotated.reverse();
  const running = new Map<Lane, RunningLane>();
  try {
    for (const lane of order) running.set(lane, await startLane(lane, node.path, mockUrl));
    running.set('mock', {
      lane: 'mock',
      target: mockTarget(mockUrl),
      pid: mockPid,
      startMs: 0,
      stop: async () => {},
    });
    const clients = new Map<Lane, Array<Record<string, string>>>();
    for (const [lane, { target }] of running)
      clients.set(
        lane,
        await Promise.all(
          Array.from({ length: CONCURRENCY }, (_, client) => target.openClient(index * 1_000 + client)),
        ),
      );
    const single = (lane: Lane): Record<string, string> => at(clients, lane)[0] ?? {};
    // Warm-up, not measured: a fresh process's first seconds measure V8 warming up its code.
    await interleaved(order, SLICES, (lane) =>
      chatFor(at(running, lane).target, at(clients, lane), settings.warmSeconds / SLICES),
    );
    const ttftOrder: Lane[] = ['mock', ...order];
    const ttfts = await interleaved(ttftOrder, SLICES, async (lane) => {
      const each: number[] = [];
      for (let chat = 0; chat < Math.ceil(CHATS / SLICES); chat += 1)
        each.push(await chatOnce(at(running, lane).target, single(lane), `ttft ${chat}`));
      return each;
    });
    const rates = await interleaved(order, SLICES, async (lane) => {
      const { pid, target } = at(running, lane);
      const before = await treeCpu(pid);
      const { chats, ms } = await chatFor(target, at(clients, lane), SECONDS / SLICES);
      const after = await treeCpu(pid);
      const rootMs = after.rootMs - before.rootMs;
      return { chats, ms, rootMs, treeMs: rootMs + after.descendantsMs - before.descendantsMs };
    });
    const mockP50 = p50(at(ttfts, 'mock').flat());
    const result: Partial<Record<Lane, LaneRound>> = {
      mock: { ttftP50Ms: round(mockP50), addedTtftP50Ms: 0 },
    };
    for (const lane of order) {
      const slices = at(rates, lane);
      const sum = (key: 'chats' | 'ms' | 'rootMs' | 'treeMs'): number =>
        slices.reduce((total, slice) => total + slice[key], 0);
      const memory = await treeMemory(at(running, lane).pid);
      const ttftP50Ms = p50(at(ttfts, lane).flat());
      result[lane] = {
        ttftP50Ms: round(ttftP50Ms),
        addedTtftP50Ms: round(ttftP50Ms - mockP50),
        chatsPerSecond: round(sum('chats') / (sum('ms') / 1_000), 1),
        cpuUsPerChat: round((sum('treeMs') * 1_000) / Math.max(1, sum('chats')), 1),
        rootCpuUsPerChat: round((sum('rootMs') * 1_000) / Math.max(1, sum('chats')), 1),
        memoryMiB: round((memory.rootRss + memory.descendantsPss) / 2 ** 20, 1),
        startMs: round(at(running, lane).startMs, 1),
      };
    }
    return result;
  } finally {
    for (const lane of order) await running.get(lane)?.stop();
  }
}

await prepareLanes(served);
const mock = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/mock-process.ts', import.meta.url)),
  execPath: node.path,
});
const rounds: Array<{
  load: number;
  lanes: Partial<Record<Lane, LaneRound>>;
  default?: AgainstFloor;
  noDatabase?: AgainstFloor;
  control?: Record<string, number>;
}> = [];
try {
  for (let index = 0; index < ROUNDS; index += 1) {
    const lanes = await measureRound(index, mock.url, mock.pid ?? 0);
    const { floor, default: first, control, 'no-database': noDatabase } = lanes;
    const entry: (typeof rounds)[number] = { load: currentLoad(), lanes };
    if (floor !== undefined && first !== undefined) entry.default = againstFloor(first, floor);
    if (floor !== undefined && noDatabase !== undefined) entry.noDatabase = againstFloor(noDatabase, floor);
    if (control !== undefined && first !== undefined) entry.control = controlAgainstDefault(control, first);
    rounds.push(entry);
    console.error(JSON.stringify({ round: index + 1, ...entry }));
  }
} finally {
  await mock.close();
}

const checked = rounds.flatMap((each) => (each.default === undefined ? [] : [each.default]));
const verdict =
  checked.length === 0
    ? 'verdict: none (the floor or the default serve was not measured)'
    : verdictLine(checked);
const figures = medians(rounds.map((each) => each.lanes));
const summary = {
  issue: 67,
  machine: describeMachine(),
  rowNode: node.version,
  settings,

  rounds,
  medians: figures,
  connectionRetries: Object.fromEntries(connectionRetries),
  verdict,
};
const resultsDir = fileURLToPath(new URL('./results/issue-67/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const file = `${resultsDir}half-the-floor-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
console.log(summaryTable(figures));
console.log(`\nrows on node ${node.version}; raw results: ${file}`);
if (connectionRetries.size > 0)
  console.log(
    `chats sent again after a closed keep-alive connection: ${JSON.stringify(summary.connectionRetries)}`,
  );
console.log(verdict);
