/**
 * What the frontend adapters cost over sockets, the way a deployment runs them: the compiled
 * gateway in its own process on 127.0.0.1 (Anthropic provider through the official SDK on the
 * lean transport, against the mock upstream in another process), one session, and the same
 * reply asked for through native `POST /chat`, the AI SDK UI message stream `POST /ui/chat` and
 * AG-UI `POST /ag-ui` (and, with `--routes`, A2A `POST /a2a`, MCP `tools/call` on `/mcp` in a
 * 2025-11-25 session as `mcp`, and stateless 2026-07-28 as `mcp-modern`), one chat at a time. Rounds interleave the routes (the order rotates every
 * round) for each reply length (`--words`, default 8 and 64 unpaced deltas), so every route sees
 * the same minutes of machine load. Per route: the gateway process's CPU per chat (median over
 * the rounds, and the median of the per-round ratios to native), TTFT and whole-chat latency
 * (pooled p50/p99), each as a ratio to native in the same run; from the two reply lengths, the
 * CPU of one more frame. The first round is a warm-up.
 *
 * `--build` may be given several times (e.g. a before and an after build): each build gets its
 * own gateway and mock processes, and the builds are interleaved round by round too.
 *
 *   npx tsx bench/adapter-cost-over-sockets.ts [--build DIR]… [--profile DIR] [--words 8,64]
 *     [--routes native,ui,ag-ui] [--label NAME] [--out FILE] [chats per block=300] [rounds=6]
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatDirective } from './lib/bench-directive.js';
import { startBenchStack, type BenchStack } from './lib/bench-stack.js';
import { compileForBench } from './lib/compile-for-bench.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import type { ProcessStats } from './lib/process-stats.js';
import {
  chatOnRoute,
  openSession,
  PROTOCOL_ROUTES,
  type ProtocolChatObservation,
  type ProtocolRoute,
} from './lib/protocol-chat-client.js';
import { median, round, summarize } from './lib/stats.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    build: { type: 'string', multiple: true },
    profile: { type: 'string' },
    words: { type: 'string', default: '8,64' },
    routes: { type: 'string', default: 'native,ui,ag-ui' },
    label: { type: 'string' },
    out: { type: 'string' },
  },
});
const chats = Number(positionals[0] ?? 300);
const rounds = Number(positionals[1] ?? 6);
const lengths = values.words.split(',').map(Number);
// `--routes ui` alone is for a CPU profile of one route; ratios need `native` in the run.
const routes = PROTOCOL_ROUTES.filter((route) => values.routes.split(',').includes(route.name));
const buildDirs =
  values.build === undefined
    ? [await compileForBench(repositoryRoot)]
    : values.build.map((dir) => resolve(dir));

interface Block {
  cpuMs: number;
  observations: ProtocolChatObservation[];
}
interface Target {
  build: string;
  stack: BenchStack;
  token: string;
  /** Per route: the headers its setup gave (an MCP session id). */
  headers: Record<string, Record<string, string>>;
}
const key = (build: string, route: string, words: number): string => `${build}|${route}@${words}`;
const blocks = new Map<string, Block[]>();
const loads: number[] = [currentLoad()];
/** Rotates `items` by `by` places (which one goes first changes every round). */
const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.map((_, index) => items[(index + by) % items.length] as T);

const targets: Target[] = [];
try {
  for (const buildDir of buildDirs) {
    const stack = await startBenchStack({
      buildDir,
      disconnectGraceMs: 0,
      ...(values.profile === undefined ? {} : { cpuProfileDir: resolve(values.profile) }),
    });
    const token = await openSession(stack.gateway.url);
    const headers: Record<string, Record<string, string>> = {};
    for (const route of routes) headers[route.name] = (await route.setup?.(stack.gateway.url, token)) ?? {};
    targets.push({ build: basename(buildDir), stack, token, headers });
  }
  let chatNumber = 0;
  /** `chats` chats one after the other on one route of one build; the gateway's CPU over them. */
  const block = async (target: Target, route: ProtocolRoute, words: number): Promise<Block> => {
    const observations: ProtocolChatObservation[] = [];
    const before = await target.stack.gateway.request<ProcessStats>('statsNow');
    for (let index = 0; index < chats; index += 1) {
      chatNumber += 1;
      const text = formatDirective({ kind: 'short', words }, `c${chatNumber}`);
      const observation = await chatOnRoute(
        target.stack.gateway.url,
        target.token,
        route,
        text,
        chatNumber,
        target.headers[route.name],
      );
      if (!observation.completed || observation.textDeltas !== words) {
        throw new Error(
          `${target.build} ${route.name}: chat ${chatNumber} failed (${observation.textDeltas}/${words} deltas): ` +
            `${observation.errorText ?? 'no terminal frame'}`,
        );
      }
      observations.push(observation);
    }
    const after = await target.stack.gateway.request<ProcessStats>('statsNow');
    return { cpuMs: (after.cpuMs - before.cpuMs) / chats, observations };
  };
  for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
    for (const words of lengths) {
      for (const target of rotate(targets, roundIndex)) {
        for (const route of rotate(routes, roundIndex)) {
          const measured = await block(target, route, words);
          // Round 0 warms the gateways up (JIT, pools) and is not counted.
          if (roundIndex === 0) continue;
          const list = blocks.get(key(target.build, route.name, words)) ?? [];
          list.push(measured);
          blocks.set(key(target.build, route.name, words), list);
        }
      }
    }
    loads.push(currentLoad());
    console.log(`round ${roundIndex === 0 ? 'warm-up' : roundIndex} done (load ${currentLoad()})`);
  }
} finally {
  for (const target of targets) await target.stack.close();
}

/** Figures of one route of one build at one reply length. */
const figuresOf = (build: string, route: string, words: number) => {
  const list = blocks.get(key(build, route, words)) ?? [];
  const all = list.flatMap((entry) => entry.observations);
  const ttft = summarize(all.flatMap((o) => (o.firstTextMs === undefined ? [] : [o.firstTextMs])));
  const total = summarize(all.map((o) => o.totalMs));
  return {
    cpuMsPerChat: median(list.map((entry) => entry.cpuMs)),
    cpuMsPerChatByRound: list.map((entry) => round(entry.cpuMs)),
    ttftP50Ms: ttft.p50,
    ttftP99Ms: ttft.p99,
    totalP50Ms: total.p50,
    totalP99Ms: total.p99,
    busyRetries: all.reduce((sum, o) => sum + o.busyRetries, 0),
  };
};

const shortest = Math.min(...lengths);
const longest = Math.max(...lengths);
const results = targets.map(({ build }) => ({
  build,
  lengths: lengths.map((words) => {
    const native = figuresOf(build, 'native', words);
    return {
      words,
      routes: routes.map((route) => {
        const figures = figuresOf(build, route.name, words);
        // Each round's blocks ran minutes apart from other rounds but next to each other: the
        // ratio within a round is steadier than the ratio of medians when the load moves.
        const nativeByRound = native.cpuMsPerChatByRound;
        const pairedRatios = figures.cpuMsPerChatByRound.map((cpu, index) =>
          round(cpu / (nativeByRound[index] ?? Number.NaN)),
        );
        return {
          route: route.name,
          path: route.path,
          ...figures,
          cpuRatioToNative: round(figures.cpuMsPerChat / native.cpuMsPerChat),
          cpuRatioToNativeByRound: pairedRatios,
          cpuRatioToNativePairedMedian: median(pairedRatios),
          addedCpuMs: round(figures.cpuMsPerChat - native.cpuMsPerChat),
          ttftP50Ratio: round(figures.ttftP50Ms / native.ttftP50Ms),
          ttftP99Ratio: round(figures.ttftP99Ms / native.ttftP99Ms),
          totalP50Ratio: round(figures.totalP50Ms / native.totalP50Ms),
        };
      }),
    };
  }),
  perFrame:
    longest > shortest
      ? routes.map((route) => ({
          route: route.name,
          cpuUsPerExtraDelta: round(
            ((figuresOf(build, route.name, longest).cpuMsPerChat -
              figuresOf(build, route.name, shortest).cpuMsPerChat) /
              (longest - shortest)) *
              1000,
            1,
          ),
        }))
      : [],
}));

const machine = describeMachine();
console.log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${loads.join(' → ')}`);
for (const result of results) {
  for (const length of result.lengths) {
    console.log(
      `\n${result.build}: ${length.words}-word reply, ${chats} chats per block, ${rounds - 1} counted rounds`,
    );
    console.log(
      '| route | gateway CPU per chat | vs native (medians) | vs native (median of rounds) | TTFT p50 | vs native | TTFT p99 | chat p50 | vs native |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of length.routes) {
      // Two routes on one path (MCP's two protocol revisions) are told apart by name.
      const shared = length.routes.filter((other) => other.path === r.path).length > 1;
      console.log(
        `| ${shared ? `${r.path} (${r.route})` : r.path} | ${round(r.cpuMsPerChat)} ms | ×${r.cpuRatioToNative} | ×${r.cpuRatioToNativePairedMedian} | ` +
          `${r.ttftP50Ms} ms | ×${r.ttftP50Ratio} | ` +
          `${r.ttftP99Ms} ms | ${r.totalP50Ms} ms | ×${r.totalP50Ratio} |`,
      );
    }
  }
  for (const entry of result.perFrame) {
    console.log(
      `${result.build} ${entry.route}: ${entry.cpuUsPerExtraDelta} µs of gateway CPU per extra text delta`,
    );
  }
}
const resultsPath = resolve(
  values.out ??
    join(
      repositoryRoot,
      'bench',
      'results',
      'issue-20',
      `adapter-cost-over-sockets-${values.label ?? 'run'}.json`,
    ),
);
writeFileSync(
  resultsPath,
  `${JSON.stringify(
    {
      machine,
      builds: buildDirs,
      loads,
      chats,
      rounds,
      lengths,
      command: `npx tsx bench/adapter-cost-over-sockets.ts ${process.argv.slice(2).join(' ')}`,
      results,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${resultsPath}`);
