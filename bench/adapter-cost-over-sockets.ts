/**
 * What the frontend adapters cost over sockets, the way a deployment runs them: the compiled
 * gateway in its own process on 127.0.0.1 (Anthropic provider through the official SDK on the
 * lean transport, against the mock upstream in a third process), one session, and the same
 * reply asked for through native `POST /chat`, the AI SDK UI message stream `POST /ui/chat` and
 * AG-UI `POST /ag-ui`, one chat at a time. Rounds interleave the routes (the order rotates every
 * round) for each reply length (`--words`, default 8 and 64 unpaced deltas), so every route sees
 * the same minutes of machine load. Per route: the gateway process's CPU per chat (median over
 * the rounds), TTFT and whole-chat latency (pooled p50/p99), each as a ratio to native in the
 * same run; from the two reply lengths, the CPU of one more frame. The first round is a warm-up.
 *
 *   npx tsx bench/adapter-cost-over-sockets.ts [--build DIR] [--profile DIR] [--words 8,64]
 *     [--label NAME] [--out FILE] [chats per block=300] [rounds=6]
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatDirective } from './lib/bench-directive.js';
import { startBenchStack } from './lib/bench-stack.js';
import { compileForBench } from './lib/compile-for-bench.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import type { ProcessStats } from './lib/process-stats.js';
import {
  chatOnRoute,
  openSession,
  PROTOCOL_ROUTES,
  type ProtocolChatObservation,
  type ProtocolRouteName,
} from './lib/protocol-chat-client.js';
import { median, round, summarize } from './lib/stats.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    build: { type: 'string' },
    profile: { type: 'string' },
    words: { type: 'string', default: '8,64' },
    label: { type: 'string' },
    out: { type: 'string' },
  },
});
const chats = Number(positionals[0] ?? 300);
const rounds = Number(positionals[1] ?? 6);
const lengths = values.words.split(',').map(Number);
const buildDir = values.build === undefined ? await compileForBench(repositoryRoot) : resolve(values.build);

interface Block {
  cpuMs: number;
  systemCpuMs: number;
  observations: ProtocolChatObservation[];
}
const key = (route: ProtocolRouteName, words: number): string => `${route}@${words}`;
const blocks = new Map<string, Block[]>();
const loads: number[] = [currentLoad()];

const stack = await startBenchStack({
  buildDir,
  disconnectGraceMs: 0,
  ...(values.profile === undefined ? {} : { cpuProfileDir: resolve(values.profile) }),
});
try {
  const baseUrl = stack.gateway.url;
  const token = await openSession(baseUrl);
  let chatNumber = 0;
  for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
    for (const words of lengths) {
      // Rotate which route goes first, so no route always follows the same one.
      const order = PROTOCOL_ROUTES.map(
        (_, index) => PROTOCOL_ROUTES[(index + roundIndex) % PROTOCOL_ROUTES.length],
      );
      for (const route of order) {
        if (route === undefined) continue;
        const observations: ProtocolChatObservation[] = [];
        const before = await stack.gateway.request<ProcessStats>('statsNow');
        for (let index = 0; index < chats; index += 1) {
          chatNumber += 1;
          const text = formatDirective({ kind: 'short', words }, `c${chatNumber}`);
          const observation = await chatOnRoute(baseUrl, token, route, text, chatNumber);
          if (!observation.completed || observation.textDeltas !== words) {
            throw new Error(
              `${route.name}: chat ${chatNumber} failed (${observation.textDeltas}/${words} deltas): ` +
                `${observation.errorText ?? 'no terminal frame'}`,
            );
          }
          observations.push(observation);
        }
        const after = await stack.gateway.request<ProcessStats>('statsNow');
        // Round 0 warms the gateway up (JIT, pools) and is not counted.
        if (roundIndex === 0) continue;
        const list = blocks.get(key(route.name, words)) ?? [];
        list.push({
          cpuMs: (after.cpuMs - before.cpuMs) / chats,
          systemCpuMs: (after.systemCpuMs - before.systemCpuMs) / chats,
          observations,
        });
        blocks.set(key(route.name, words), list);
      }
    }
    loads.push(currentLoad());
    console.log(`round ${roundIndex === 0 ? 'warm-up' : roundIndex} done (load ${currentLoad()})`);
  }
} finally {
  await stack.close();
}

/** Figures of one route at one reply length. */
const figuresOf = (route: ProtocolRouteName, words: number) => {
  const list = blocks.get(key(route, words)) ?? [];
  const all = list.flatMap((block) => block.observations);
  const ttft = summarize(all.flatMap((o) => (o.firstTextMs === undefined ? [] : [o.firstTextMs])));
  const total = summarize(all.map((o) => o.totalMs));
  return {
    cpuMsPerChat: median(list.map((block) => block.cpuMs)),
    cpuMsPerChatByRound: list.map((block) => round(block.cpuMs)),
    systemCpuMsPerChat: median(list.map((block) => block.systemCpuMs)),
    ttftP50Ms: ttft.p50,
    ttftP99Ms: ttft.p99,
    totalP50Ms: total.p50,
    totalP99Ms: total.p99,
    busyRetries: all.reduce((sum, o) => sum + o.busyRetries, 0),
  };
};

const results = lengths.map((words) => {
  const native = figuresOf('native', words);
  return {
    words,
    routes: PROTOCOL_ROUTES.map((route) => {
      const figures = figuresOf(route.name, words);
      return {
        route: route.name,
        path: route.path,
        ...figures,
        cpuRatioToNative: round(figures.cpuMsPerChat / native.cpuMsPerChat),
        addedCpuMs: round(figures.cpuMsPerChat - native.cpuMsPerChat),
        ttftP50Ratio: round(figures.ttftP50Ms / native.ttftP50Ms),
        ttftP99Ratio: round(figures.ttftP99Ms / native.ttftP99Ms),
        totalP50Ratio: round(figures.totalP50Ms / native.totalP50Ms),
      };
    }),
  };
});
const shortest = Math.min(...lengths);
const longest = Math.max(...lengths);
const perFrame =
  longest > shortest
    ? PROTOCOL_ROUTES.map((route) => ({
        route: route.name,
        cpuUsPerExtraDelta: round(
          ((figuresOf(route.name, longest).cpuMsPerChat - figuresOf(route.name, shortest).cpuMsPerChat) /
            (longest - shortest)) *
            1000,
          1,
        ),
      }))
    : [];

const machine = describeMachine();
console.log(
  `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, build ${buildDir}, load ${loads.join(' → ')}`,
);
for (const { words, routes } of results) {
  console.log(`\n${words}-word reply, ${chats} chats per block, ${rounds - 1} counted rounds`);
  console.log('| route | gateway CPU per chat | vs native | TTFT p50 | vs native | TTFT p99 | chat p50 | vs native |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of routes) {
    console.log(
      `| ${r.path} | ${round(r.cpuMsPerChat)} ms | ×${r.cpuRatioToNative} | ${r.ttftP50Ms} ms | ×${r.ttftP50Ratio} | ` +
        `${r.ttftP99Ms} ms | ${r.totalP50Ms} ms | ×${r.totalP50Ratio} |`,
    );
  }
}
for (const entry of perFrame) {
  console.log(`${entry.route}: ${entry.cpuUsPerExtraDelta} µs of gateway CPU per extra text delta`);
}
const label = values.label ?? 'run';
const resultsPath = resolve(
  values.out ?? join(repositoryRoot, 'bench', 'results', 'issue-20', `adapter-cost-over-sockets-${label}.json`),
);
writeFileSync(
  resultsPath,
  `${JSON.stringify(
    {
      machine,
      buildDir,
      loads,
      chats,
      rounds,
      lengths,
      command: `npx tsx bench/adapter-cost-over-sockets.ts ${process.argv.slice(2).join(' ')}`,
      results,
      perFrame,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${resultsPath}`);
