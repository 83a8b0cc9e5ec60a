/**
 * The verdict of issue 81: the default `serve` (embedded PostgreSQL) against `serve
 * --no-database`, with a harness that cannot be the bottleneck. Lanes (`--lanes`): `floor` (the
 * thin relay, bench/relay-floor.ts), `default`, `no-database`, and with `--control` a second
 * `default` (A/A: the run's own noise). The built CLI (`npm run build` first), the lean mock
 * model (bench/lib/lean-mock-process.ts: answers it encoded once, one write each) and the lean
 * load client (bench/lib/lean-load-client.ts: raw keep-alive sockets, answers not decoded).
 *
 * Every run (`--runs`, 1) starts every lane fresh, then for each answer length (`--deltas`,
 * 3,50,500 text deltas) warms the lanes (`--warm-seconds` each; before the first length also
 * until each lane has served `--warm-chats`, 4,000, chats: fresh processes), measures time to first token at
 * c=1 (`--ttft-chats` per lane, less the mock's own p50) and chats/s at c=`--concurrency` (32) for
 * `--seconds` per lane, every measure in `--slices` slices with the lanes interleaved (ABBA…), and
 * the CPU per chat of each lane (its processes, PostgreSQL's apart) and of the harness; then each
 * lane's memory under the same load, in slices of its own (`--memory-seconds`, as long as
 * `--seconds` unless given; a reading every `--memory-sample-ms`, 250), whose chats are not
 * counted: reading a tree's memory costs the client CPU, more for the default's. Checked
 * in every run and answer length:
 * - the floor reaches at least 1.5x the chats/s of the fastest gateway lane; otherwise the run
 *   measured its own client and mock, says so, and the bench exits 1;
 * - default / `--no-database` chats/s >= 0.9, added TTFT within +0.3 ms, memory within +64 MiB.
 * `--guard-database-share <share>` (CI): exits 1 when the default's PostgreSQL CPU per chat is
 * more than `<share>` of `--no-database`'s CPU per chat at any answer length measured (a ratio of
 * two lanes of one interleaved run); `--guard <ratio>`: when default / `--no-database` chats/s
 * is below `<ratio>` (too noisy on a loaded machine to gate CI on: see docs/PERFORMANCE.md). `--double-writes`: the `default` lane runs a copy of the build that
 * writes each run's record twice (bench/lib/double-write-build.ts), the experiment the guard
 * must fail. Raw results: bench/results/issue-81/durable-verdict-<time>.json.
 *
 *   npm run build && node --import tsx bench/durable-verdict.ts --runs 3 [--control]
 *     [--deltas 3,50,500] [--seconds 12] [--slices 6] [--warm-seconds 4] [--warm-chats 4000] [--ttft-chats 120]
 *     [--memory-seconds 12] [--memory-sample-ms 250]
 *     [--concurrency 32] [--lanes floor,default,no-database] [--node <node>] [--guard 0.8] [--guard-database-share 0.15] [--double-writes]
 *     [--control-package <dir>]
 *
 * `--control-package <dir>`: the control lane (added) serves the default `serve` from a copy of
 * the build in `<dir>` (`bin/`, `dist/`, `package.json`, `node_modules`), changed in one respect:
 * its distance to `default` in the same run is what that change does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startChildProcess } from './lib/child-process-handle.js';
import { flagValue } from './lib/cli-flags.js';
import { makeDoubleWriteCopy, type DoubleWriteCopy } from './lib/double-write-build.js';
import { describeMachine } from './lib/machine-info.js';
import { rowNode } from './lib/row-servers.js';
import { checkLength, runTable, VERDICT_TARGETS, type LengthChecks } from './lib/verdict-checks.js';
import { prepareFloor, VERDICT_LANES, type VerdictLane } from './lib/verdict-lanes.js';
import { verdictRun, verdictTimingFlags, type VerdictRunResult } from './lib/verdict-run.js';

const listFlag = (name: string, fallback: string): string[] => (flagValue(name) ?? fallback).split(',');
const guardFlag = flagValue('guard');
const shareFlag = flagValue('guard-database-share');
const lanes = listFlag('lanes', 'floor,default,no-database') as VerdictLane[];
const controlPackage = flagValue('control-package');
if ((process.argv.includes('--control') || controlPackage !== undefined) && !lanes.includes('control'))
  lanes.splice(lanes.indexOf('default') + 1, 0, 'control');
for (const lane of lanes)
  if (!VERDICT_LANES.includes(lane))
    throw new Error(`--lanes: no lane ${lane} (${VERDICT_LANES.join(', ')})`);
const settings = {
  ...verdictTimingFlags('3,50,500'),
  lanes,
  guard: guardFlag === undefined ? undefined : Number(guardFlag),
  guardDatabaseShare: shareFlag === undefined ? undefined : Number(shareFlag),
  doubleWrites: process.argv.includes('--double-writes'),
};
if (settings.guard !== undefined && !(settings.guard > 0 && settings.guard <= 2))
  throw new Error(`--guard takes a ratio (0 < ratio <= 2), not ${guardFlag}`);
if (settings.guardDatabaseShare !== undefined && !(settings.guardDatabaseShare > 0))
  throw new Error(`--guard-database-share takes a share (> 0), not ${shareFlag}`);
const node = rowNode(flagValue('node'));

prepareFloor();
const copy: DoubleWriteCopy | undefined = settings.doubleWrites ? await makeDoubleWriteCopy() : undefined;
const mock = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/lean-mock-process.ts', import.meta.url)),
  execPath: node.path,
});
const runs: Array<VerdictRunResult & { checks: LengthChecks[] }> = [];
try {
  for (let index = 0; index < settings.runs; index += 1) {
    // Each run starts the lanes in another order: which process starts first plays no part.
    const rotated = [...lanes.slice(index % lanes.length), ...lanes.slice(0, index % lanes.length)];
    const order = index % 2 === 0 ? rotated : rotated.reverse();
    const result = await verdictRun(
      {
        ...settings,
        node: node.path,
        mockUrl: mock.url,
        mockPid: mock.pid ?? 0,
        packageRoots: {
          ...(copy === undefined ? {} : { default: copy.root }),
          ...(controlPackage === undefined ? {} : { control: controlPackage }),
        },
      },
      order,
    );
    const checks = Object.entries(result.byDeltas).map(([deltas, { lanes: figures }]) =>
      checkLength(Number(deltas), figures),
    );
    runs.push({ ...result, checks });
    console.log(
      `\nrun ${index + 1} of ${settings.runs} (load ${result.load.start} to ${result.load.end}` +
        `${settings.doubleWrites ? ', default lane: the double-write copy' : ''}):\n${runTable(result.byDeltas, checks)}`,
    );
  }
} finally {
  await mock.close();
  await copy?.remove();
}

const all = runs.flatMap((run) => run.checks);
const measuredItself = all.filter((each) => !each.harnessOk);
const targetsMet = all.filter((each) => each.met.all).length;
const guardFailures =
  settings.guard === undefined ? [] : all.filter((each) => (each.chatsRatio ?? 0) < (settings.guard ?? 0));
const summary = {
  issue: 81,
  machine: describeMachine(),
  rowNode: node.version,
  settings,
  targets: VERDICT_TARGETS,
  runs,
};
const resultsDir = fileURLToPath(new URL('./results/issue-81/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const file = `${resultsDir}durable-verdict-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`\nlanes on node ${node.version}; raw results: ${file}`);
console.log(
  `verdict: ${targetsMet === all.length ? 'MET' : 'NOT MET'}: the default serve met every target in ${targetsMet} ` +
    `of ${all.length} (run, answer length) pairs`,
);
let failed = false;
if (measuredItself.length > 0) {
  failed = true;
  console.log(
    `the harness measured itself: the floor stayed under ${VERDICT_TARGETS.floorOverGateways}x the fastest gateway lane at ` +
      `${measuredItself.map((each) => `${each.deltas} deltas (${each.floorOverFastest ?? '?'}x)`).join(', ')}; these figures are the client's and the mock's, not the lanes'`,
  );
}
if (settings.guard !== undefined) {
  const ratios = all.map((each) => `${each.deltas} deltas: ${each.chatsRatio ?? '?'}`).join(', ');
  if (guardFailures.length > 0) {
    failed = true;
    console.log(`guard: FAIL: default / --no-database chats/s under ${settings.guard} (${ratios})`);
  } else console.log(`guard: pass: default / --no-database chats/s at least ${settings.guard} (${ratios})`);
}
if (settings.guardDatabaseShare !== undefined) {
  const limit = settings.guardDatabaseShare;
  const shares = all.map((each) => `${each.deltas} deltas: ${each.databaseShare ?? '?'}`).join(', ');
  if (all.some((each) => each.databaseShare === undefined || each.databaseShare === 0)) {
    // No PostgreSQL process under the default lane (the PGlite fallback runs in the gateway's
    // own process): the guard would pass having measured nothing.
    failed = true;
    console.log(
      `guard: FAIL: the default lane ran no PostgreSQL server process to measure (${shares}); ` +
        'is the embedded PostgreSQL falling back to PGlite here?',
    );
  } else if (all.some((each) => (each.databaseShare ?? 0) > limit)) {
    failed = true;
    console.log(
      `guard: FAIL: PostgreSQL's CPU per chat over --no-database's CPU per chat above ${limit} (${shares})`,
    );
  } else
    console.log(`guard: pass: PostgreSQL's CPU per chat at most ${limit} of --no-database's (${shares})`);
}
if (failed) process.exitCode = 1;
