/**
 * A/B of compiled builds of the gateway: runs the TTFT and throughput scenarios
 * (`run-benchmarks.ts --build DIR`) and the in-process CPU-per-chat measurement
 * (`gateway-cpu-per-chat.js`) for each build, interleaved round by round (the order alternates
 * every round) so that drift and the load of other work on a shared machine hit every build
 * alike. Writes the figures of every run and their medians per build to a JSON file.
 *
 *   npx tsx bench/compare-builds.ts --out bench/results/x.json --rounds 3 \
 *     before=node_modules/.cache/ab-before after=node_modules/.cache/ab-after
 *
 * A build is a tree made by `compileForBench` (copy `node_modules/.cache/ai-agent-gateway-bench`
 * to a sibling directory before changing the sources); it must stay under node_modules so that
 * its bare imports resolve. Environment variables of the form `NAME=VALUE` after a build
 * directory (`label=dir:ANTHROPIC_OPEN_TELEMETRY=false`) are set for that build's processes only.
 * Sizes come from the usual BENCH_* variables (BENCH_TTFT_REQUESTS, BENCH_THROUGHPUT_MS).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { median, round } from './lib/stats.js';

const run = promisify(execFile);
const benchDir = dirname(fileURLToPath(import.meta.url));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    chats: { type: 'string', default: '3000' },
    description: { type: 'string', default: '' },
  },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds <= 0) throw new Error('--rounds must be a positive integer');
if (values.out === undefined || positionals.length < 2) {
  console.error('usage: npx tsx bench/compare-builds.ts --out FILE [--rounds 3] label=dir[:NAME=VALUE…] …');
  process.exit(1);
}

interface Build {
  label: string;
  dir: string;
  env: Record<string, string>;
}
const builds: Build[] = positionals.map((spec) => {
  const [label = '', rest = ''] = spec.split(/=(.*)/s);
  const [dir = '', ...assignments] = rest.split(':');
  const env: Record<string, string> = {};
  for (const assignment of assignments) {
    const [name = '', value = ''] = assignment.split(/=(.*)/s);
    env[name] = value;
  }
  return { label, dir: resolve(dir), env };
});

const SCENARIO_FIGURES: Record<string, string[]> = {
  ttft: [
    'addedP50Ms',
    'addedP99Ms',
    'gatewayP50Ms',
    'directP50Ms',
    'gatewayTtfbP50Ms',
    'gatewayCpuPerChatMs',
  ],
  throughput: [
    'gatewayChatsPerSecond',
    'directChatsPerSecond',
    'throughputRatio',
    'gatewayP99Ms',
    'gatewayCpuPerChatMs',
  ],
};

const runBuild = async (build: Build): Promise<Record<string, number>> => {
  const figures: Record<string, number> = {};
  const resultsDir = mkdtempSync(join(tmpdir(), `bench-ab-${build.label}-`));
  const env = { ...process.env, ...build.env };
  figures['loadAverage'] = round(loadavg()[0] ?? 0, 2);
  await run(
    process.execPath,
    [
      '--import',
      'tsx',
      join(benchDir, 'run-benchmarks.ts'),
      '--only',
      'ttft,throughput',
      '--build',
      build.dir,
      '--results',
      resultsDir,
    ],
    { env, maxBuffer: 16 * 2 ** 20 },
  );
  for (const [scenario, names] of Object.entries(SCENARIO_FIGURES)) {
    const report = JSON.parse(readFileSync(join(resultsDir, `${scenario}.json`), 'utf8')) as {
      figures: Record<string, number>;
    };
    for (const name of names) figures[`${scenario}.${name}`] = report.figures[name] ?? Number.NaN;
  }
  const { stdout } = await run(
    process.execPath,
    [join(build.dir, 'bench', 'gateway-cpu-per-chat.js'), values.chats ?? '3000', '5'],
    { env, maxBuffer: 2 ** 20 },
  );
  const match = /CPU ([\d.]+) ms, wall ([\d.]+) ms/.exec(stdout);
  figures['inProcess.cpuPerChatMs'] = Number(match?.[1] ?? Number.NaN);
  figures['inProcess.wallPerChatMs'] = Number(match?.[2] ?? Number.NaN);
  return figures;
};

const results = new Map<string, Array<Record<string, number>>>(builds.map((build) => [build.label, []]));
for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
  const order = roundIndex % 2 === 0 ? builds : [...builds].reverse();
  for (const build of order) {
    console.log(`round ${roundIndex + 1}/${rounds}: ${build.label} (load ${round(loadavg()[0] ?? 0, 2)})`);
    const figures = await runBuild(build);
    results.get(build.label)?.push(figures);
    console.log(`  ${JSON.stringify(figures)}`);
  }
}

const summary: Record<string, Record<string, { runs: number[]; median: number }>> = {};
for (const [label, runs] of results) {
  const names = new Set(runs.flatMap((figures) => Object.keys(figures)));
  summary[label] = {};
  for (const name of names) {
    const values = runs.map((figures) => figures[name] ?? Number.NaN);
    summary[label][name] = { runs: values, median: round(median(values)) };
  }
}
const builtFrom = Object.fromEntries(
  builds.map((build) => [build.label, { dir: build.dir, env: build.env }]),
);
writeFileSync(
  values.out,
  `${JSON.stringify({ description: values.description, date: new Date().toISOString(), rounds, builds: builtFrom, runs: summary }, null, 2)}\n`,
);
for (const name of Object.keys(summary[builds[0]?.label ?? ''] ?? {})) {
  console.log(
    `${name.padEnd(36)} ${builds.map((build) => `${build.label} ${summary[build.label]?.[name]?.median ?? ''}`).join('  ')}`,
  );
}
