/**
 * What each chat of the default `serve` costs its young-generation collector, per build: bytes
 * allocated, bytes that survived a scavenge, bytes promoted to the old generation, and the
 * scavenges' time on the main thread and on V8's helper threads, summed from the gateway's own
 * `--trace-gc-nvp` lines over a window of single-message chats (32 clients, after a warm-up).
 *
 * Promotion is the figure to watch: a chat's objects should die young. Each kilobyte promoted
 * per chat was copied by one or two scavenges (the scavenges' cost follows what survives, not
 * what is allocated) and waits in the old generation for a full collection. The byte figures
 * barely move with the machine's load; the times do.
 *
 *   npm run build && mkdir -p /tmp/builds/after && cp -r bin dist package.json /tmp/builds/after \
 *     && ln -s "$PWD/node_modules" /tmp/builds/after/node_modules
 *   node --import tsx bench/young-gc-per-chat.ts [--seconds 5] [--warm-seconds 15] [--clients 32] \
 *     [--node-flags LABEL=--flag,--flag …] before=/tmp/builds/before after=/tmp/builds/after
 *
 * `--no-database LABEL` runs that lane as `serve --no-database` (what the durable default costs the
 * collector: `--no-database stateless default=. stateless=.`).
 *
 * `--node-flags after=--allocation-site-pretenuring` runs that lane with V8's flags (here: the
 * pretenuring `serve` turns off, back on); a build may be given twice under two labels.
 *
 * As a guard it exits 1, naming the lane, when a lane promoted more than it may:
 * `--max-promoted-kb-per-chat N` (KB per chat; steady on a quiet machine only), or
 * `--guard-against LABEL --max-promoted-ratio R`: every other lane promotes at most R times what
 * lane LABEL promoted in the same run, which holds under load too. `--min-scavenges N` measures
 * more windows until each lane saw N scavenges (a guard fails a lane that did not). CI runs the second
 * (docs/PERFORMANCE.md, "Young-GC guard"): `serve` as shipped against `serve` with V8's
 * pretenuring back on.
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gatewayChatsFor } from './lib/gateway-chats-for.js';
import { startChildProcess } from './lib/child-process-handle.js';
import { buildArguments, flagValue, numberFlag } from './lib/cli-flags.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { postJson, startServeGateway, stopServeGateway } from './lib/serve-gateway.js';

const SECONDS = numberFlag('seconds', 5);
const WARM_SECONDS = numberFlag('warm-seconds', 15);
const CLIENTS = numberFlag('clients', 32);
const MAX_PROMOTED_KB_PER_CHAT = numberFlag('max-promoted-kb-per-chat', Number.POSITIVE_INFINITY);
const REFERENCE_LANE = flagValue('guard-against');
/** Fewest scavenges a lane must measure (more windows of `--seconds`, up to `MAX_WINDOWS`). */
const MIN_SCAVENGES = numberFlag('min-scavenges', 0);
const MAX_WINDOWS = 6;
const MAX_PROMOTED_RATIO = numberFlag('max-promoted-ratio', Number.POSITIVE_INFINITY);

/** `--node-flags LABEL=--a,--b`, as often as needed. */
const laneFlags = new Map<string, string[]>();
process.argv.forEach((argument, index) => {
  if (argument !== '--node-flags') return;
  const [label = '', flags = ''] = (process.argv[index + 1] ?? '').split(/=(.*)/s);
  laneFlags.set(
    label,
    flags.split(',').filter((flag) => flag !== ''),
  );
});
/** `--no-database LABEL`: that lane runs `serve --no-database` (as often as needed). */
const statelessLanes = new Set(
  process.argv.flatMap((argument, index) =>
    argument === '--no-database' ? [process.argv[index + 1] ?? ''] : [],
  ),
);
const builds = buildArguments([
  '--no-database',
  '--node-flags',
  '--max-promoted-kb-per-chat',
  '--guard-against',
  '--max-promoted-ratio',
  '--min-scavenges',
]);
if (builds.length === 0) {
  console.error('usage: node --import tsx bench/young-gc-per-chat.ts [--seconds 5] label=dir …');
  process.exit(1);
}

/** The sum of one `name=value` field over V8's `--trace-gc-nvp` scavenge lines. */
const sumOf = (lines: readonly string[], name: string): number =>
  lines.reduce((total, line) => total + Number(new RegExp(` ${name}=([\\d.]+)`).exec(line)?.[1] ?? 0), 0);

const upstream = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/mock-process.ts', import.meta.url)),
});
const lanes: Record<string, unknown> = {};
/** Each lane's KB promoted per chat, for the guard. */
const promotedByLane = new Map<string, number>();
/** Each lane's count of scavenges measured. */
const scavengesByLane = new Map<string, number>();
for (const build of builds) {
  const gateway = await startServeGateway({
    mode: statelessLanes.has(build.label) ? 'no-database' : 'default',
    upstreamUrl: upstream.url,
    label: `gc-${build.label}`,
    logLevel: 'info',
    stderr: 'ignore',
    serveFlags: ['--log-format', 'json'],
    packageRoot: build.dir,
    nodeFlags: [...(laneFlags.get(build.label) ?? []), '--trace-gc', '--trace-gc-nvp'],
  });
  let measuring = false;
  const scavenges: string[] = [];
  let fullCollections = 0;
  if (gateway.child.stdout === null) throw new Error('serve was spawned without a stdout pipe');
  createInterface({ input: gateway.child.stdout }).on('line', (line) => {
    if (!measuring) return;
    if (/ gc=s /.test(line)) scavenges.push(line);
    else if (/ gc=(mc|mmc|ms) /.test(line)) fullCollections += 1;
  });
  const tokens = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, index) => {
      const response = await postJson(`${gateway.base}/chat/init`, { api_key: 'bench', user: `c${index}` });
      return String(((await response.json()) as { session_token: string }).session_token);
    }),
  );
  await gatewayChatsFor(gateway, tokens, WARM_SECONDS);
  measuring = true;
  let chats = await gatewayChatsFor(gateway, tokens, SECONDS);
  // A loaded machine makes few chats a window: measure on until the scavenges are enough to judge.
  for (let round = 1; round < MAX_WINDOWS && scavenges.length < MIN_SCAVENGES; round += 1) {
    chats += await gatewayChatsFor(gateway, tokens, SECONDS);
  }
  measuring = false;
  scavengesByLane.set(build.label, scavenges.length);
  await stopServeGateway(gateway);
  const kbPerChat = (name: string): number => Math.round((sumOf(scavenges, name) / chats / 1024) * 100) / 100;
  const usPerChat = (name: string): number => Math.round((sumOf(scavenges, name) * 1_000 * 10) / chats) / 10;
  promotedByLane.set(build.label, kbPerChat('promoted'));
  lanes[build.label] = {
    dir: build.dir,
    nodeFlags: laneFlags.get(build.label) ?? [],
    chats,
    scavenges: scavenges.length,
    fullCollections,
    allocatedKbPerChat: kbPerChat('allocated'),
    survivedKbPerChat: kbPerChat('new_space_survived'),
    promotedKbPerChat: kbPerChat('promoted'),
    scavengePauseUsPerChat: usPerChat('pause'),
    scavengeHelperThreadsUsPerChat: usPerChat('background.scavenge.parallel'),
  };
}
await upstream.close();
console.log(
  JSON.stringify(
    { machine: describeMachine(), load: currentLoad(), seconds: SECONDS, clients: CLIENTS, lanes },
    null,
    2,
  ),
);
/** Why each lane that promoted more than the guard allows failed it. */
const failures: string[] = [];
const reference = REFERENCE_LANE === undefined ? undefined : promotedByLane.get(REFERENCE_LANE);
if (REFERENCE_LANE !== undefined && reference === undefined)
  failures.push(`no lane is labelled ${REFERENCE_LANE}`);
for (const [label, promoted] of promotedByLane) {
  const measured = scavengesByLane.get(label) ?? 0;
  if (measured < MIN_SCAVENGES) {
    failures.push(`${label} measured ${measured} scavenges in ${MAX_WINDOWS} windows, too few to judge`);
  }
  if (promoted > MAX_PROMOTED_KB_PER_CHAT) {
    failures.push(
      `${label} promoted ${promoted} KB per chat, over the ${MAX_PROMOTED_KB_PER_CHAT} KB allowed`,
    );
  }
  if (reference !== undefined && label !== REFERENCE_LANE && promoted > MAX_PROMOTED_RATIO * reference) {
    failures.push(
      `${label} promoted ${promoted} KB per chat, over ${MAX_PROMOTED_RATIO} times the ${reference} KB of ${REFERENCE_LANE}`,
    );
  }
}
for (const failure of failures) {
  console.error(
    `young-gc guard: ${failure}: a chat's objects no longer die young (is V8's allocation-site pretenuring back on?)`,
  );
}
if (failures.length > 0) process.exitCode = 1;
