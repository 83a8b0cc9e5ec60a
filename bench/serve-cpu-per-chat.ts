/**
 * CPU per chat of the default `serve` (embedded database on), A/B between copies of the built
 * package, for a loaded machine where wall-clock figures are noise. Every build's gateway runs at
 * once against one mock model process; single-message chats at `--clients` (default 32) go to
 * one gateway at a time in interleaved one-second slices (the order rotates every slice), and
 * each gateway's CPU per chat (main thread and other threads, from each thread's `schedstat`)
 * is summed over its slices; `sliceMedianRatio` is the median, over the slices, of a build's
 * CPU per chat over the first build's in the same slice (the steadiest figure under load), and
 * `treeSliceMedianRatio` the same for the whole process tree (gateway and embedded PostgreSQL).
 * An A/A control is two copies of the same build.
 *
 * The gateway measured is the process that serves: a build that re-executes node (since issue
 * 77, for `--no-allocation-site-pretenuring`) serves in a child of the process started, which
 * only waits; `servingPid` finds it, and `launcherCpuUs` is what the waiting one costs.
 *
 *   npm run build && mkdir -p /tmp/builds/before && cp -r bin dist package.json /tmp/builds/before \
 *     && ln -s "$PWD/node_modules" /tmp/builds/before/node_modules   # then change, rebuild, copy again
 *   node --import tsx bench/serve-cpu-per-chat.ts [--slices 12] [--slice-seconds 1] [--clients 32] [--warm-seconds 15] [--log-level info|warn] [--cpu-prof DIR] \
 *     [--no-database LABEL,…] [--pretenuring-flag LABEL,…] before=/tmp/builds/before after=/tmp/builds/after [control=/tmp/builds/after-copy]
 *
 * `--no-database LABEL,…` serves those lanes with `--no-database` (the same build may be given
 * twice under two labels): the difference is what the run records cost. `databaseCpuUs` is the
 * CPU per chat of a lane's processes under the gateway (its embedded PostgreSQL), and
 * `treeCpuUs` that of the whole tree, both from every thread's `schedstat`; `treeTicksCpuUs` is
 * the whole tree again from its 10 ms ticks (`/proc/<pid>/stat`), as a cross-check.
 *
 * `--pretenuring-flag LABEL,…` starts those lanes as `node --no-allocation-site-pretenuring`:
 * a build that re-executes itself for the flag then serves in the process started (what the
 * re-execution costs, against the same build without it).
 *
 * `--cpu-prof DIR` runs the gateways under `node --cpu-prof` and writes their profiles to DIR
 * (summarise one with `bench/summarize-cpu-profile.ts`; divide its totals by the chats printed).
 */
import { fileURLToPath } from 'node:url';
import { gatewayChatsFor } from './lib/gateway-chats-for.js';
import { startChildProcess } from './lib/child-process-handle.js';
import { buildArguments, flagValue, numberFlag } from './lib/cli-flags.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { threadCpu } from './lib/thread-cpu.js';
import { servingPid, treeSchedstatMs } from './lib/serving-process.js';
import { treeCpu } from './lib/process-tree-cpu.js';
import { median } from './lib/stats.js';
import { postJson, startServeGateway, stopServeGateway } from './lib/serve-gateway.js';

const SLICES = numberFlag('slices', 12);
const SLICE_SECONDS = numberFlag('slice-seconds', 1);
const CLIENTS = numberFlag('clients', 32);
/** Chats before the first slice, seconds: until the JIT has settled (its compiler threads cost CPU per chat until then). */
const WARM_SECONDS = numberFlag('warm-seconds', 15);
/** The gateways' log level: `info` (default) is the CLI's own, the request log on (JSON lines to /dev/null). */
const LOG_LEVEL = flagValue('log-level') === 'warn' ? 'warn' : 'info';
const PROFILE_DIR = flagValue('cpu-prof');
const NO_DATABASE = new Set((flagValue('no-database') ?? '').split(',').filter((label) => label !== ''));
/** Lanes started as `node --no-allocation-site-pretenuring …`: a build that re-executes then serves in the process started. */
const FLAG_ON_COMMAND_LINE = new Set(
  (flagValue('pretenuring-flag') ?? '').split(',').filter((label) => label !== ''),
);
const builds = buildArguments();
if (builds.length === 0) {
  console.error('usage: node --import tsx bench/serve-cpu-per-chat.ts [--slices 12] label=dir …');
  process.exit(1);
}

const loadAtStart = currentLoad();
const upstream = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/mock-process.ts', import.meta.url)),
});
const lanes = [];
for (const build of builds) {
  const gateway = await startServeGateway({
    mode: NO_DATABASE.has(build.label) ? 'no-database' : 'default',
    upstreamUrl: upstream.url,
    label: `cpu-${build.label}`,
    logLevel: LOG_LEVEL,
    stderr: 'ignore',
    serveFlags: ['--log-format', 'json'],
    packageRoot: build.dir,
    nodeFlags: [
      ...(PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]),
      ...(FLAG_ON_COMMAND_LINE.has(build.label) ? ['--no-allocation-site-pretenuring'] : []),
    ],
  });
  const tokens = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, index) => {
      const response = await postJson(`${gateway.base}/chat/init`, { api_key: 'bench', user: `c${index}` });
      return String(((await response.json()) as { session_token: string }).session_token);
    }),
  );
  await gatewayChatsFor(gateway, tokens, WARM_SECONDS);
  lanes.push({
    ...build,
    gateway,
    servingPid: servingPid(gateway.child.pid ?? 0),
    tokens,
    chats: 0,
    mainMs: 0,
    otherMs: 0,
    databaseMs: 0,
    launcherMs: 0,
    treeTicksMs: 0,
    ms: 0,
    slices: [] as number[],
    treeSlices: [] as number[],
  });
}

for (let slice = 0; slice < SLICES; slice += 1) {
  // Each slice starts one lane further on, so that every build takes every place in turn.
  const shift = slice % lanes.length;
  for (const lane of [...lanes.slice(shift), ...lanes.slice(0, shift)]) {
    const root = lane.gateway.child.pid ?? 0;
    const ticksBefore = await treeCpu(root);
    const treeBefore = treeSchedstatMs(root);
    const launcherBefore = lane.servingPid === root ? undefined : threadCpu(root, 'schedstat');
    const before = threadCpu(lane.servingPid, 'schedstat');
    const started = performance.now();
    const chats = await gatewayChatsFor(lane.gateway, lane.tokens, SLICE_SECONDS);
    const after = threadCpu(lane.servingPid, 'schedstat');
    const launcherAfter = lane.servingPid === root ? undefined : threadCpu(root, 'schedstat');
    const treeMs = treeSchedstatMs(root) - treeBefore;
    const ticksAfter = await treeCpu(root);
    lane.treeTicksMs +=
      ticksAfter.rootMs + ticksAfter.descendantsMs - ticksBefore.rootMs - ticksBefore.descendantsMs;
    const launcherMs =
      launcherBefore === undefined || launcherAfter === undefined
        ? 0
        : launcherAfter.mainMs + launcherAfter.otherMs - launcherBefore.mainMs - launcherBefore.otherMs;
    lane.chats += chats;
    lane.ms += performance.now() - started;
    lane.mainMs += after.mainMs - before.mainMs;
    lane.otherMs += after.otherMs - before.otherMs;
    const sliceMs = after.mainMs + after.otherMs - before.mainMs - before.otherMs;
    lane.launcherMs += launcherMs;
    lane.databaseMs += treeMs - sliceMs - launcherMs;
    lane.slices.push(chats === 0 ? Number.NaN : (sliceMs / chats) * 1_000);
    lane.treeSlices.push(chats === 0 ? Number.NaN : (treeMs / chats) * 1_000);
  }
}

const [reference] = lanes;
/** The median over the slices of a lane's CPU per chat over the reference lane's in the same slice. */
const medianRatio = (slices: readonly number[], referenceSlices: readonly number[] = []): number =>
  Math.round(median(slices.map((value, index) => value / (referenceSlices[index] ?? Number.NaN))) * 1_000) /
  1_000;
/** ms over `chats`, in µs per chat, one decimal. */
const perChat = (ms: number, chats: number): number => Math.round((ms / chats) * 10_000) / 10;
const report = {
  machine: describeMachine(),
  loadAtStart,
  load: currentLoad(),
  slices: SLICES,
  sliceSeconds: SLICE_SECONDS,
  clients: CLIENTS,
  builds: Object.fromEntries(
    lanes.map((lane) => [
      lane.label,
      {
        dir: lane.dir,
        chats: lane.chats,
        chatsPerSecond: Math.round((lane.chats / lane.ms) * 1_000),
        mainThreadCpuUs: perChat(lane.mainMs, lane.chats),
        otherThreadsCpuUs: perChat(lane.otherMs, lane.chats),
        totalCpuUs: perChat(lane.mainMs + lane.otherMs, lane.chats),
        databaseCpuUs: perChat(lane.databaseMs, lane.chats),
        launcherCpuUs: perChat(lane.launcherMs, lane.chats),
        treeCpuUs: perChat(lane.mainMs + lane.otherMs + lane.databaseMs + lane.launcherMs, lane.chats),
        treeTicksCpuUs: perChat(lane.treeTicksMs, lane.chats),
        sliceMedianCpuUs: Math.round(median(lane.slices) * 10) / 10,
        sliceMedianRatio: medianRatio(lane.slices, reference?.slices),
        treeSliceMedianCpuUs: Math.round(median(lane.treeSlices) * 10) / 10,
        treeSliceMedianRatio: medianRatio(lane.treeSlices, reference?.treeSlices),
        sliceCpuUs: lane.slices.map((value) => Math.round(value)),
        treeSliceCpuUs: lane.treeSlices.map((value) => Math.round(value)),
      },
    ]),
  ),
};
console.log(JSON.stringify(report, null, 2));
for (const lane of lanes) await stopServeGateway(lane.gateway);
await upstream.close();
