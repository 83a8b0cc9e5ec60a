/**
 * What the default durable `serve` costs against `serve --no-database`, the way a user sees it:
 * the real CLI in a process of its own for each (an agent module in a fresh project folder),
 * the mock model in another, the load client here; the built package (`npm run build` first).
 * Several rounds, the two modes' order alternating; medians over the rounds. Per round, both
 * modes' gateways are started fresh, one after the other, and measured:
 * - first start on an empty folder: from spawning `serve` to the first 200 of `/api/health`
 *   (after one unmeasured default start, which makes the machine's template cluster if needed);
 * - memory after 300 chats (c=8): the gateway's RSS, and the PSS of the processes it started
 *   (the embedded PostgreSQL server);
 * then, after a warm-up (`--warm-seconds` (4) of single-message and of continued chats at c=32
 * and 300 sequential ones, unmeasured, then the same again for every gateway of the round at
 * once, interleaved, so that none comes to its samples cold from idling (`warmAgain`);
 * `--warm-seconds 0`: the figures of a fresh process), `--samples` (3) samples of both modes while both gateways run. Within a sample each measure
 * is taken in `--slices` (6) slices per mode, the modes alternating ABBA… slice by slice (a
 * slice of a rate is `--seconds` / slices long), so that the machine's drift reaches both modes
 * alike: on this machine one gateway's rate moves by ±13% between consecutive 5 s samples, far
 * more than the cost measured. Each figure is the median of its mode's samples. With `--control`
 * a second `--no-database` gateway runs in every round and slice like the other two, and each
 * round also reports its figures against the first (`control…`): the bench's own noise, since
 * the two gateways are the same (what slicing cannot cancel is how fast each freshly started
 * process happens to run):
 * - added time to first token: 200 sequential chats (c=1) without history, request to first
 *   `text_delta`;
 * - chats/s at c=32, single-message chats, fresh clients;
 * - a continued conversation at c=32: each client has its own session (its own user) and, on the
 *   default gateway, its own new thread continued by `thread_id` (history from the store); with
 *   `--no-database` the client carries the history and sends it whole with every chat.
 *
 * With `--replicas N` every mode (and the control) has N freshly started gateways in each round,
 * all interleaved slice by slice, and a mode's figure in the round is the mean of its gateways':
 * how fast one fresh process happens to run (which slicing cannot cancel, and which `--control`
 * shows to be as large as the targets) then weighs 1/N in each figure.
 *
 *   node --import tsx bench/durable-default.ts [--rounds 3] [--seconds 6] [--warm-seconds 4] [--samples 3]
 *     [--slices 6] [--control] [--replicas 1]
 */
import { fileURLToPath } from 'node:url';
import { startChildProcess } from './lib/child-process-handle.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { treeMemory } from './lib/process-tree-memory.js';
import { treeCpu } from './lib/process-tree-cpu.js';
import {
  postJson as post,
  startServeGateway,
  stopServeGateway as stopGateway,
  type ServeGateway,
  type ServeMode,
} from './lib/serve-gateway.js';
import { quantile, round } from './lib/stats.js';
import { numberFlag } from './lib/cli-flags.js';

const ROUNDS = numberFlag('rounds', 3);
const SECONDS = numberFlag('seconds', 6);
/** Seconds of single-message and of continued chats each gateway serves before it is measured. */
const WARM_SECONDS = numberFlag('warm-seconds', 4);
/** Samples of each mode per round, the modes' alternating (ABBA…) while both gateways run. */
const SAMPLES = numberFlag('samples', 3);
/** Slices per mode and measure in a sample, the modes alternating slice by slice. */
const SLICES = numberFlag('slices', 6);
const TTFT_CHATS = 200;
const CONCURRENCY = 32;

/** Gateways per mode (and control) in every round, their figures averaged (`--replicas`). */
const REPLICAS = numberFlag('replicas', 1);

type Mode = ServeMode;
/**
 * What a round compares: the two modes, and with `--control` a second `--no-database` one,
 * measured like the others, whose ratio to the first is the bench's own noise (an A/A comparison).
 */
type Group = Mode | 'control';
/**
 * One gateway of a round: its group's name for the first of its `REPLICAS`, `<group>:<k>` for
 * the k-th. Each is its own freshly started process.
 */
type Lane = string;
const CONTROL = process.argv.includes('--control');
const groupOf = (lane: Lane): Group => lane.split(':')[0] as Group;
const modeOf = (lane: Lane): Mode => {
  const group = groupOf(lane);
  return group === 'control' ? 'no-database' : group;
};
/**
 * Every lane of a round's `groups`, replica by replica, every other replica's groups in reverse
 * order (A B C C:2 B:2 A:2): where a gateway stands in the order (when it starts, where its
 * slices run) moved its rate by a few per cent, so each group's replicas stand at mirrored places.
 */
const lanesOf = (groups: readonly Group[]): Lane[] =>
  Array.from({ length: REPLICAS }, (_, replica) => {
    const named = groups.map((group) => (replica === 0 ? group : `${group}:${replica + 1}`));
    return replica % 2 === 0 ? named : named.reverse();
  }).flat();
/** What `record` holds for `lane` (every lane of a round has its entry). */
function of<Item>(record: Readonly<Record<Lane, Item>>, lane: Lane): Item {
  const item = record[lane];
  if (item === undefined) throw new Error(`no ${lane} in this round`);
  return item;
}
/** A record with an empty list for every lane of `order`. */
const listsOf = <Item>(order: readonly Lane[]): Record<Lane, Item[]> =>
  Object.fromEntries(order.map((lane) => [lane, [] as Item[]]));
interface Message {
  role: 'user' | 'assistant';
  content: string;
}

type Gateway = ServeGateway;

/** Starts `serve` in a fresh project folder; resolves once `/api/health` answers 200. */
const startGateway = (mode: Mode, upstreamUrl: string): Promise<Gateway> =>
  startServeGateway({ mode, upstreamUrl, label: 'durable', serveFlags: ['--log-format', 'json'] });

/** A client with its own session (its own user) and, on the default gateway, its own thread. */
interface Client {
  token: string;
  threadId?: string;
  history: Message[];
}

async function openClient(gateway: Gateway, index: number, withThread: boolean): Promise<Client> {
  const init = (await (
    await post(`${gateway.base}/chat/init`, { api_key: 'bench', user: `client-${index}` })
  ).json()) as {
    session_token: string;
  };
  const client: Client = { token: init.session_token, history: [] };
  if (withThread) {
    const thread = (await (await post(`${gateway.base}/threads`, {}, client.token)).json()) as {
      thread_id: string;
    };
    client.threadId = thread.thread_id;
  }
  return client;
}

/** One chat; resolves the milliseconds to the first text delta and the answer's text. */
async function chat(gateway: Gateway, client: Client, text: string, continued: boolean): Promise<number> {
  const message: Message = { role: 'user', content: text };
  const body =
    continued && client.threadId !== undefined
      ? { messages: [message], thread_id: client.threadId }
      : { messages: continued ? [...client.history, message] : [message] };
  for (;;) {
    const started = performance.now();
    const response = await post(`${gateway.base}/chat`, body, client.token);
    if (response.status === 409) {
      await response.body?.cancel();
      continue;
    }
    if (response.status !== 200)
      throw new Error(`chat answered ${response.status}: ${await response.text()}`);
    let ttft = -1;
    let answer = '';
    let buffered = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      if (ttft < 0 && buffered.includes('"text_delta"')) ttft = performance.now() - started;
    }
    for (const line of buffered.split('\n')) {
      if (!line.startsWith('data: ') || !line.includes('"text_delta"')) continue;
      answer += (JSON.parse(line.slice(6)) as { text: string }).text;
    }
    if (continued && client.threadId === undefined)
      client.history.push(message, { role: 'assistant', content: answer });
    return ttft;
  }
}

/** `clients` chat back to back for `seconds`; resolves how many chats and in how many ms. */
async function run(
  gateway: Gateway,
  clients: Client[],
  seconds: number,
  continued: boolean,
): Promise<{ chats: number; ms: number }> {
  const deadline = performance.now() + seconds * 1_000;
  const started = performance.now();
  let chats = 0;
  await Promise.all(
    clients.map(async (client, index) => {
      while (performance.now() < deadline) {
        await chat(gateway, client, `question ${chats} of client ${index}`, continued);
        chats += 1;
      }
    }),
  );
  return { chats, ms: performance.now() - started };
}

/** A slice of chats, and the CPU the gateway and the processes it started (its server) spent in it. */
interface Slice {
  chats: number;
  ms: number;
  gatewayCpuMs: number;
  serverCpuMs: number;
}

/** `run`, with the CPU time of the gateway and of its server over it (`/proc`, 10 ms ticks). */
async function measured(
  gateway: Gateway,
  clients: Client[],
  seconds: number,
  continued: boolean,
): Promise<Slice> {
  const pid = gateway.child.pid ?? 0;
  const before = await treeCpu(pid);
  const { chats, ms } = await run(gateway, clients, seconds, continued);
  const after = await treeCpu(pid);
  return {
    chats,
    ms,
    gatewayCpuMs: after.rootMs - before.rootMs,
    serverCpuMs: after.descendantsMs - before.descendantsMs,
  };
}

/** Microseconds of CPU per chat over slices, the gateway's or its server's. */
const cpuPerChat = (slices: readonly Slice[], of: 'gatewayCpuMs' | 'serverCpuMs'): number =>
  (slices.reduce((sum, slice) => sum + slice[of], 0) * 1_000) /
  Math.max(
    1,
    slices.reduce((sum, slice) => sum + slice.chats, 0),
  );

/** `clients` chat back to back for `seconds`; resolves chats per second. */
async function throughput(
  gateway: Gateway,
  clients: Client[],
  seconds: number,
  continued: boolean,
): Promise<number> {
  const { chats, ms } = await run(gateway, clients, seconds, continued);
  return chats / (ms / 1_000);
}

/**
 * Runs `slices` slices of work on each mode, the modes alternating ABBA… slice by slice, so that
 * the machine's drift (one gateway's rate moves by ±13% between consecutive 5 s samples here)
 * reaches both modes alike; resolves each mode's slices' results.
 */
async function interleaved<Result>(
  order: readonly Lane[],
  slices: number,
  work: (lane: Lane) => Promise<Result>,
): Promise<Record<Lane, Result[]>> {
  const results = listsOf<Result>(order);
  for (let slice = 0; slice < slices; slice += 1) {
    const sliceOrder = slice % 2 === 0 ? order : [...order].reverse();
    for (const lane of sliceOrder) of(results, lane).push(await work(lane));
  }
  return results;
}

/** Chats per second over slices (their chats over their time). */
const rateOf = (slices: ReadonlyArray<{ chats: number; ms: number }>): number =>
  slices.reduce((sum, slice) => sum + slice.chats, 0) /
  (slices.reduce((sum, slice) => sum + slice.ms, 0) / 1_000);

interface ModeRound {
  firstStartMs: number;
  gatewayRssMiB: number;
  serverPssMiB: number;
  /** CPU per single-message chat at c=32, µs: the gateway's, and its server's. */
  gatewayCpuUs: number;
  serverCpuUs: number;
  /** The same per continued chat. */
  continuedGatewayCpuUs: number;
  continuedServerCpuUs: number;
  ttftP50Ms: number;
  chatsPerSecond: number;
  continuedPerSecond: number;
  load: number;
}

/** A started, warmed-up gateway of one mode, its first start and its memory after 300 chats. */
interface Prepared {
  gateway: Gateway;
  memory: { rootRss: number; descendantsPss: number };
  single: Client;
}

async function prepare(lane: Lane, upstreamUrl: string): Promise<Prepared> {
  const mode = modeOf(lane);
  const gateway = await startGateway(mode, upstreamUrl);
  const warm = await Promise.all(
    Array.from({ length: 8 }, (_, index) => openClient(gateway, 1_000 + index, false)),
  );
  let done = 0;
  await Promise.all(
    warm.map(async (client) => {
      while (done < 300) {
        done += 1;
        await chat(gateway, client, 'warm up', false);
      }
    }),
  );
  const memory = await treeMemory(gateway.child.pid ?? 0);
  // Warm-up, not measured: a fresh process's first seconds measure V8 warming up its code
  // (the gateway's rate rises ~2x over its first ~5,000 chats, in both modes), not what a
  // running gateway costs. Each mode serves WARM_SECONDS of each kind of chat first.
  if (WARM_SECONDS > 0) {
    const warmPlain = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, index) => openClient(gateway, 4_000 + index, false)),
    );
    await throughput(gateway, warmPlain, WARM_SECONDS, false);
    const warmTalkers = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, index) =>
        openClient(gateway, 5_000 + index, mode === 'default'),
      ),
    );
    await throughput(gateway, warmTalkers, WARM_SECONDS, true);
    for (let index = 0; index < 300; index += 1) await chat(gateway, warm[0] as Client, 'warm', false);
  }
  return { gateway, memory, single: warm[0] as Client };
}

/**
 * Every prepared gateway serves single-message and continued chats again, interleaved slice by
 * slice, right before the round's samples. A gateway prepared first has idled while the others
 * were prepared, and an idle Node process comes back cold: V8's memory reducer collects an idle
 * heap and its bytecode flushing drops the code of functions not run meanwhile, so the process
 * compiles and optimizes again. Measured here (two `--no-database` gateways, interleaved): one
 * that had idled 60 s served its next 6 s at 0.69x the rate of one just warmed, and 0.95x in
 * the 6 s after; after 1 s of idling, 1.03x. Without this, whichever mode was prepared first
 * in a round was measured partly cold.
 */
async function warmAgain(prepared: Record<Lane, Prepared>, order: readonly Lane[]): Promise<void> {
  if (WARM_SECONDS <= 0) return;
  for (const continued of [false, true]) {
    const clients: Record<Lane, Client[]> = {};
    for (const lane of order) {
      clients[lane] = await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, index) =>
          openClient(of(prepared, lane).gateway, 6_000 + index, continued && modeOf(lane) === 'default'),
        ),
      );
    }
    await interleaved(order, SLICES, (lane) =>
      run(of(prepared, lane).gateway, of(clients, lane), WARM_SECONDS / SLICES, continued),
    );
  }
}

type Sample = {
  ttftP50Ms: number;
  chatsPerSecond: number;
  continuedPerSecond: number;
  gatewayCpuUs: number;
  serverCpuUs: number;
  continuedGatewayCpuUs: number;
  continuedServerCpuUs: number;
};
type SampleFigure = keyof Sample;

/**
 * One sample of both prepared gateways, each measure interleaved in `SLICES` slices per mode:
 * TTFT p50 (c=1, `TTFT_CHATS` chats per mode in all), then both rates (c=32, fresh clients per
 * sample: a continued conversation goes on from slice to slice, its history growing as over
 * one run of `SECONDS`).
 */
async function sample(
  prepared: Record<Lane, Prepared>,
  order: readonly Lane[],
  index: number,
): Promise<Record<Lane, Sample>> {
  const ttfts = await interleaved(order, SLICES, async (lane) => {
    const { gateway, single } = of(prepared, lane);
    const each: number[] = [];
    for (let chatIndex = 0; chatIndex < TTFT_CHATS / SLICES; chatIndex += 1)
      each.push(await chat(gateway, single, `ttft ${chatIndex}`, false));
    return each;
  });
  const base = 10_000 + index * 100;
  const clientsOf = async (continued: boolean): Promise<Record<Lane, Client[]>> => {
    const clients: Record<Lane, Client[]> = {};
    for (const lane of order) {
      const { gateway } = of(prepared, lane);
      clients[lane] = await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, client) =>
          openClient(
            gateway,
            (continued ? 50_000 : 0) + base + client,
            continued && modeOf(lane) === 'default',
          ),
        ),
      );
    }
    return clients;
  };
  const plain = await clientsOf(false);
  const single = await interleaved(order, SLICES, (lane) =>
    measured(of(prepared, lane).gateway, of(plain, lane), SECONDS / SLICES, false),
  );
  const talkers = await clientsOf(true);
  const continued = await interleaved(order, SLICES, (lane) =>
    measured(of(prepared, lane).gateway, of(talkers, lane), SECONDS / SLICES, true),
  );
  const result: Record<Lane, Sample> = {};
  for (const lane of order) {
    result[lane] = {
      ttftP50Ms: quantile(
        of(ttfts, lane)
          .flat()
          .sort((a, b) => a - b),
        0.5,
      ),
      chatsPerSecond: rateOf(of(single, lane)),
      continuedPerSecond: rateOf(of(continued, lane)),
      gatewayCpuUs: cpuPerChat(of(single, lane), 'gatewayCpuMs'),
      serverCpuUs: cpuPerChat(of(single, lane), 'serverCpuMs'),
      continuedGatewayCpuUs: cpuPerChat(of(continued, lane), 'gatewayCpuMs'),
      continuedServerCpuUs: cpuPerChat(of(continued, lane), 'serverCpuMs'),
    };
  }
  return result;
}

const median = (values: number[]): number =>
  round(
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    ),
  );

const upstream = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/mock-process.ts', import.meta.url)),
});
const rounds: Array<Record<Mode, ModeRound> & { control?: ModeRound; replicas?: Record<Lane, ModeRound> }> =
  [];
try {
  // One default start, not measured, as a user's earlier project: it makes this build's template
  // cluster when the machine has none (`initdb`, seconds) and leaves the spare cluster that the
  // next new folder takes. A machine's very first start: `bench/first-start.ts --fresh-template`.
  const warmUp = await startGateway('default', upstream.url);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  await stopGateway(warmUp);
  console.error(JSON.stringify({ warmUp: { firstStartMs: round(warmUp.startMs), load: currentLoad() } }));
  for (let index = 0; index < ROUNDS; index += 1) {
    const modes: Group[] = index % 2 === 0 ? ['default', 'no-database'] : ['no-database', 'default'];
    const order = lanesOf(CONTROL ? [...modes, 'control'] : modes);
    const prepared: Record<Lane, Prepared> = {};
    try {
      for (const lane of order) prepared[lane] = await prepare(lane, upstream.url);
      await warmAgain(prepared, order);
      // Every gateway runs; within each sample their slices alternate (ABBA…), so a drift of the
      // machine's speed reaches every mode alike. Each figure is the median of its samples.
      const samples = listsOf<Sample>(order);
      for (let turn = 0; turn < SAMPLES; turn += 1) {
        // Each sample starts the slices' order further on, the shifts spread over the lanes (0, 2,
        // 4 for six lanes and three samples): with the mirrored order (`lanesOf`), each group's
        // gateways then take every place once between them. Where a lane runs among the others
        // moved its rate by a few per cent (run20-21); one lane later per sample (run22-23) still
        // left the group named second at better places: the A/A control ran at 0.93x of it.
        const shift = Math.floor((turn * order.length) / SAMPLES) % order.length;
        const turnOrder = [...order.slice(shift), ...order.slice(0, shift)];
        const taken = await sample(prepared, turnOrder, turn);
        for (const lane of order) of(samples, lane).push(of(taken, lane));
      }
      const load = currentLoad();
      const byLane: Record<Lane, ModeRound> = {};
      for (const lane of order) {
        const { gateway, memory } = of(prepared, lane);
        const figure = (key: SampleFigure): number => median(of(samples, lane).map((each) => each[key]));
        byLane[lane] = {
          firstStartMs: round(gateway.startMs),
          gatewayRssMiB: round(memory.rootRss / 2 ** 20),
          serverPssMiB: round(memory.descendantsPss / 2 ** 20),
          ttftP50Ms: figure('ttftP50Ms'),
          chatsPerSecond: figure('chatsPerSecond'),
          continuedPerSecond: figure('continuedPerSecond'),
          gatewayCpuUs: figure('gatewayCpuUs'),
          serverCpuUs: figure('serverCpuUs'),
          continuedGatewayCpuUs: figure('continuedGatewayCpuUs'),
          continuedServerCpuUs: figure('continuedServerCpuUs'),
          load,
        };
      }
      // A group's figures: the mean of its replicas' (each a freshly started process).
      const result = {} as Record<Mode, ModeRound> & {
        control?: ModeRound;
        replicas?: Record<Lane, ModeRound>;
      };
      for (const group of CONTROL ? (['default', 'no-database', 'control'] as const) : modes) {
        const lanes = order.filter((lane) => groupOf(lane) === group).map((lane) => of(byLane, lane));
        const mean = (key: Exclude<keyof ModeRound, 'load'>): number =>
          round(lanes.reduce((sum, lane) => sum + lane[key], 0) / lanes.length);
        result[group] = {
          firstStartMs: mean('firstStartMs'),
          gatewayRssMiB: mean('gatewayRssMiB'),
          serverPssMiB: mean('serverPssMiB'),
          ttftP50Ms: mean('ttftP50Ms'),
          chatsPerSecond: mean('chatsPerSecond'),
          continuedPerSecond: mean('continuedPerSecond'),
          gatewayCpuUs: mean('gatewayCpuUs'),
          serverCpuUs: mean('serverCpuUs'),
          continuedGatewayCpuUs: mean('continuedGatewayCpuUs'),
          continuedServerCpuUs: mean('continuedServerCpuUs'),
          load,
        };
      }
      if (REPLICAS > 1) result.replicas = byLane;
      rounds.push(result);
      console.error(JSON.stringify({ round: index + 1, ...result }));
    } finally {
      for (const lane of order) {
        const started = prepared[lane];
        if (started !== undefined) await stopGateway(started.gateway);
      }
    }
  }
} finally {
  await upstream.close();
}
const ratios = rounds.map((each) => ({
  ...(each.control === undefined
    ? {}
    : {
        // The same comparison between the two `--no-database` gateways: the bench's own noise.
        controlChatsRatio: round(each.control.chatsPerSecond / each['no-database'].chatsPerSecond),
        controlContinuedRatio: round(
          each.control.continuedPerSecond / each['no-database'].continuedPerSecond,
        ),
        controlTtftP50Ms: round(each.control.ttftP50Ms - each['no-database'].ttftP50Ms),
      }),
  addedFirstStartMs: round(each.default.firstStartMs - each['no-database'].firstStartMs),
  addedMemoryMiB: round(
    each.default.gatewayRssMiB + each.default.serverPssMiB - each['no-database'].gatewayRssMiB,
  ),
  addedTtftP50Ms: round(each.default.ttftP50Ms - each['no-database'].ttftP50Ms),
  chatsRatio: round(each.default.chatsPerSecond / each['no-database'].chatsPerSecond),
  // The steadier evidence of what the default costs: CPU per chat, the gateway's own and, on a
  // two-core machine beside it, its server's.
  gatewayCpuRatio: round(each.default.gatewayCpuUs / each['no-database'].gatewayCpuUs),
  continuedGatewayCpuRatio: round(
    each.default.continuedGatewayCpuUs / each['no-database'].continuedGatewayCpuUs,
  ),
  serverCpuUs: round(each.default.serverCpuUs),
  continuedServerCpuUs: round(each.default.continuedServerCpuUs),
  continuedRatio: round(each.default.continuedPerSecond / each['no-database'].continuedPerSecond),
}));
const summary = {
  machine: describeMachine(),
  rounds,
  paired: ratios,
  medians: {
    addedFirstStartMs: median(ratios.map((each) => each.addedFirstStartMs)),
    addedMemoryMiB: median(ratios.map((each) => each.addedMemoryMiB)),
    addedTtftP50Ms: median(ratios.map((each) => each.addedTtftP50Ms)),
    chatsRatio: median(ratios.map((each) => each.chatsRatio)),
    continuedRatio: median(ratios.map((each) => each.continuedRatio)),
    gatewayCpuRatio: median(ratios.map((each) => each.gatewayCpuRatio)),
    continuedGatewayCpuRatio: median(ratios.map((each) => each.continuedGatewayCpuRatio)),
    serverCpuUs: median(ratios.map((each) => each.serverCpuUs)),
    continuedServerCpuUs: median(ratios.map((each) => each.continuedServerCpuUs)),
  },
};
console.log(JSON.stringify(summary, null, 2));
