/**
 * Where a default (durable) gateway's extra CPU per chat goes, against `serve --no-database`:
 * both gateways started like `bench/durable-default.ts` does (the built package, the mock model in
 * a process of its own), warmed with single-message chats at c=32, then measured in interleaved
 * one-second slices (`--slices`, 12 per gateway, ABBA…). Per single-message chat it reports the
 * CPU of each gateway's main thread and of its other threads (V8's GC helpers, libuv's pool),
 * from `/proc/<pid>/task`, and the V8 collections in the slices (`--trace-gc-nvp` on the gateways:
 * scavenges and mark-compacts, their count and pause per chat, and the bytes a chat allocates,
 * leaves alive at a scavenge and has promoted to the old generation). Options:
 * - `--pin`: both gateways on CPU 0, everything else (this process, the mock, the database
 *   server) on CPU 1 (`taskset`), so that where the scheduler puts a process plays no part;
 * - `--syscalls`: a 5 s run of each gateway under `perf stat` with the system call tracepoints
 *   (needs `perf` and root), reported per chat.
 *
 *   npm run build && node --import tsx bench/durable-default-anatomy.ts [--slices 12] [--pin] [--syscalls]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gatewayChatsFor } from './lib/gateway-chats-for.js';
import { startChildProcess } from './lib/child-process-handle.js';
import { numberFlag } from './lib/cli-flags.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { threadCpu } from './lib/thread-cpu.js';
import { postJson, startServeGateway, stopServeGateway, type ServeGateway } from './lib/serve-gateway.js';

const SLICES = numberFlag('slices', 12);
const PIN = process.argv.includes('--pin');
const SYSCALLS = process.argv.includes('--syscalls');
const CONCURRENCY = 32;
const MODES = ['default', 'no-database'] as const;
type Mode = (typeof MODES)[number];

/** The `--trace-gc-nvp` lines of a gateway while `recording` is set. */
function collectGc(gateway: ServeGateway): { lines: string[]; recording: boolean } {
  const collected = { lines: [] as string[], recording: false };
  if (gateway.child.stdout === null) throw new Error('serve was spawned without a stdout pipe');
  createInterface({ input: gateway.child.stdout }).on('line', (line) => {
    if (collected.recording && line.includes(' pause=')) collected.lines.push(line);
  });
  return collected;
}

/** A `name=value` number of a `--trace-gc-nvp` line (0 when it has none). */
const nvp = (line: string, name: string): number =>
  Number(new RegExp(`[ \\]]${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);

/**
 * The collections of one kind (`gc=s`: scavenges, `gc=mc`: mark-compacts) among `lines`: how
 * many, their summed pause (ms), and the bytes allocated since the previous one, surviving in the
 * young generation and promoted to the old one, summed.
 */
function collections(lines: readonly string[], kind: 's' | 'mc') {
  const matching = lines.filter((line) => line.includes(` gc=${kind} `));
  const sum = (name: string): number => matching.reduce((total, line) => total + nvp(line, name), 0);
  return {
    count: matching.length,
    pauseMs: sum('pause'),
    allocated: sum('allocated'),
    survived: sum('new_space_survived'),
    promoted: sum('promoted'),
  };
}

/** A process's children, grandchildren and so on (`pgrep -P`). */
function descendantsOf(pid: number): number[] {
  let listed = '';
  try {
    listed = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  } catch {
    // pgrep exits 1 when there are none
  }
  const children = listed.trim().split('\n').filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

/** `perf stat` of `pid` with the system call tracepoints while `work` runs; counts by event. */
async function syscallsWhile(pid: number, work: () => Promise<unknown>): Promise<Record<string, number>> {
  const folder = await mkdtemp(join(tmpdir(), 'bench-anatomy-'));
  const out = join(folder, 'perf.txt');
  const calls = ['writev', 'read', 'write', 'epoll_pwait', 'futex', 'mmap', 'munmap', 'madvise'];
  const events = ['task-clock', 'context-switches', 'cpu-migrations', 'page-faults'].concat(
    calls.map((call) => `syscalls:sys_enter_${call}`),
  );
  const perf = spawn('perf', ['stat', '-e', events.join(','), '-p', String(pid), '-o', out], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await work();
  const exited = new Promise((resolve) => perf.once('exit', resolve));
  perf.kill('SIGINT');
  await exited;
  const counts: Record<string, number> = {};
  for (const line of (await readFile(out, 'utf8')).split('\n')) {
    const match = /^\s*([\d,.]+)\s+(?:msec\s+)?(\S+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      counts[match[2].replace('syscalls:sys_enter_', '')] = Number(match[1].replace(/,/g, ''));
    }
  }
  await rm(folder, { recursive: true, force: true });
  return counts;
}

const upstream = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/mock-process.ts', import.meta.url)),
});
const gateways = {} as Record<Mode, ServeGateway>;
const gc = {} as Record<Mode, ReturnType<typeof collectGc>>;
for (const mode of MODES) {
  gateways[mode] = await startServeGateway({
    mode,
    upstreamUrl: upstream.url,
    label: 'anatomy',
    serveFlags: ['--log-format', 'json'],
    nodeFlags: ['--trace-gc-nvp'],
  });
  gc[mode] = collectGc(gateways[mode]);
}
const pidOf = (mode: Mode): number => gateways[mode].child.pid ?? 0;
if (PIN) {
  const others = [process.pid, upstream.pid ?? 0, ...MODES.flatMap((mode) => descendantsOf(pidOf(mode)))];
  for (const mode of MODES)
    execFileSync('taskset', ['-a', '-p', '0x1', String(pidOf(mode))], { stdio: 'ignore' });
  for (const pid of others.filter((each) => each > 0)) {
    try {
      execFileSync('taskset', ['-a', '-p', '0x2', String(pid)], { stdio: 'ignore' });
    } catch {
      // gone meanwhile
    }
  }
}
const tokens = {} as Record<Mode, string[]>;
for (const mode of MODES) {
  tokens[mode] = await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, index) => {
      const response = await postJson(`${gateways[mode].base}/chat/init`, {
        api_key: 'bench',
        user: `c${index}`,
      });
      return String(((await response.json()) as { session_token: string }).session_token);
    }),
  );
  await gatewayChatsFor(gateways[mode], tokens[mode], 4);
}

const syscalls = {} as Record<Mode, Record<string, number>>;
if (SYSCALLS) {
  for (const mode of MODES) {
    let chats = 0;
    const counts = await syscallsWhile(pidOf(mode), async () => {
      chats = await gatewayChatsFor(gateways[mode], tokens[mode], 5);
    });
    syscalls[mode] = Object.fromEntries(Object.entries(counts).map(([name, count]) => [name, count / chats]));
  }
}

const totals = Object.fromEntries(
  MODES.map((mode) => [mode, { chats: 0, mainMs: 0, otherMs: 0, ms: 0 }]),
) as Record<Mode, { chats: number; mainMs: number; otherMs: number; ms: number }>;
for (const mode of MODES) gc[mode].recording = true;
for (let slice = 0; slice < SLICES; slice += 1) {
  for (const mode of slice % 2 === 0 ? MODES : [...MODES].reverse()) {
    const before = threadCpu(pidOf(mode), 'stat');
    const started = performance.now();
    const chats = await gatewayChatsFor(gateways[mode], tokens[mode], 1);
    const after = threadCpu(pidOf(mode), 'stat');
    const total = totals[mode];
    total.chats += chats;
    total.ms += performance.now() - started;
    total.mainMs += after.mainMs - before.mainMs;
    total.otherMs += after.otherMs - before.otherMs;
  }
}
for (const mode of MODES) gc[mode].recording = false;

/** `value` (ms, or a count) per chat, times 1,000: µs (or per thousand chats), one decimal. */
const perChat = (value: number, chats: number): number => Math.round((value / chats) * 10_000) / 10;
const report = {
  machine: describeMachine(),
  load: currentLoad(),
  slices: SLICES,
  pinned: PIN,
  modes: Object.fromEntries(
    MODES.map((mode) => {
      const { chats, mainMs, otherMs, ms } = totals[mode];
      const scavenges = collections(gc[mode].lines, 's');
      const markCompacts = collections(gc[mode].lines, 'mc');
      /** Bytes per chat, rounded. */
      const bytesPerChat = (bytes: number): number => Math.round(bytes / chats);
      return [
        mode,
        {
          chats,
          chatsPerSecond: Math.round((chats / ms) * 1_000),
          mainThreadCpuUs: perChat(mainMs, chats),
          otherThreadsCpuUs: perChat(otherMs, chats),
          scavengesPerThousandChats: perChat(scavenges.count, chats),
          scavengePauseUs: perChat(scavenges.pauseMs, chats),
          markCompactPauseUs: perChat(markCompacts.pauseMs, chats),
          allocatedBytes: bytesPerChat(scavenges.allocated),
          survivedBytes: bytesPerChat(scavenges.survived),
          promotedBytes: bytesPerChat(scavenges.promoted),
          ...(SYSCALLS ? { perChat: syscalls[mode] } : {}),
        },
      ];
    }),
  ),
};
console.log(JSON.stringify(report, null, 2));
for (const mode of MODES) await stopServeGateway(gateways[mode]);
await upstream.close();
