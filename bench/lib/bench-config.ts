import { parseArgs } from 'node:util';
import type { BenchConfig } from './scenario.js';

/** Every scenario id, in the order a full run goes through them. */
export const ALL_SCENARIOS = ['ttft', 'throughput', 'fanout', 'tools', 'abort', 'soak'] as const;

const TEN_MINUTES_MS = 600_000;

const positiveInteger = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};

const sizeList = (name: string, fallback: number[]): number[] => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive integers, got ${raw}`);
  }
  return values;
};

/** Usage text of `npm run bench -- --help`. */
export const USAGE = `npm run bench -- [--only ttft,throughput,fanout,tools,abort,soak] [--repeat N] [--soak] [--profile DIR] [--no-doc] [--tsx] [--build DIR] [--results DIR] [--doc-only]

  --only     run these scenarios (default: all)
  --repeat   fresh repetitions of each scenario; figures are medians (default 1)
  --soak     the full 10-minute soak (default: a short soak, BENCH_SOAK_MS)
  --profile  write CPU profiles of the gateway (TTFT and throughput scenarios) into DIR
  --no-doc   do not rewrite the generated section of docs/PERFORMANCE.md
  --tsx      run gateway and mock from TypeScript under tsx (no tsc build first; slower gateway)
  --build    run an existing compiled tree (made by an earlier run; it must sit under node_modules so
             that bare imports resolve) instead of compiling: for A/B runs of two builds
  --results  write the result files into DIR instead of bench/results (implies --no-doc)
  --doc-only rewrite the generated section of docs/PERFORMANCE.md from bench/results, run nothing

Sizes (environment): BENCH_TTFT_REQUESTS=2000 BENCH_THROUGHPUT_CONCURRENCY=64
BENCH_THROUGHPUT_MS=20000 BENCH_FANOUT_SIZES=250,1000,2000 BENCH_FANOUT_DELTAS=64 BENCH_FANOUT_DELAY_MS=20
BENCH_TOOL_CALLS=20000 BENCH_MCP_CALLS=2000 BENCH_ABORT_CYCLES=10000 BENCH_ABORT_CONCURRENCY=32
BENCH_SOAK_MS=20000 BENCH_SOAK_CONCURRENCY=16

Mode (environment): BENCH_DATABASE=embedded keeps the gateway's runs in the embedded database, as
\`serve\` does by default (default: no database).`;

/** Parses the command line and the environment into a run configuration. */
export function parseBenchConfig(argv: string[]): {
  config: BenchConfig;
  writeDoc: boolean;
  help: boolean;
  /** Run the processes from TypeScript under tsx instead of compiling first (quicker to start). */
  useTsx: boolean;
  /** Only rewrite docs/PERFORMANCE.md from the results already in bench/results. */
  docOnly: boolean;
  /** A compiled tree to run as it is (no tsc), from `--build`. */
  prebuiltDir: string | undefined;
  /** Where result files go, from `--results` (default bench/results). */
  resultsDir: string | undefined;
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      repeat: { type: 'string' },
      soak: { type: 'boolean', default: false },
      profile: { type: 'string' },
      'no-doc': { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
      'doc-only': { type: 'boolean', default: false },
      build: { type: 'string' },
      results: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const known = new Set<string>(ALL_SCENARIOS);
  const scenarios =
    values.only === undefined ? [...ALL_SCENARIOS] : values.only.split(',').map((id) => id.trim());
  for (const id of scenarios) {
    if (!known.has(id)) throw new Error(`unknown scenario ${id}; known: ${ALL_SCENARIOS.join(', ')}`);
  }
  const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat <= 0) throw new Error('--repeat must be a positive integer');
  return {
    help: values.help,
    useTsx: values.tsx,
    docOnly: values['doc-only'],
    prebuiltDir: values.build,
    resultsDir: values.results,
    writeDoc: !values['no-doc'] && values.results === undefined,
    config: {
      scenarios,
      repeat,
      ttftRequests: positiveInteger('BENCH_TTFT_REQUESTS', 2_000),
      throughputConcurrency: positiveInteger('BENCH_THROUGHPUT_CONCURRENCY', 64),
      throughputDurationMs: positiveInteger('BENCH_THROUGHPUT_MS', 20_000),
      // 250 shows the gateway below the machine's limit; 1,000 and 2,000 are the sizes.
      fanOutSizes: sizeList('BENCH_FANOUT_SIZES', [250, 1_000, 2_000]),
      fanOutDeltas: positiveInteger('BENCH_FANOUT_DELTAS', 64),
      fanOutDelayMs: positiveInteger('BENCH_FANOUT_DELAY_MS', 20),
      toolCalls: positiveInteger('BENCH_TOOL_CALLS', 20_000),
      mcpCalls: positiveInteger('BENCH_MCP_CALLS', 2_000),
      abortCycles: positiveInteger('BENCH_ABORT_CYCLES', 10_000),
      abortConcurrency: positiveInteger('BENCH_ABORT_CONCURRENCY', 32),
      soakDurationMs: values.soak ? TEN_MINUTES_MS : positiveInteger('BENCH_SOAK_MS', 20_000),
      soakConcurrency: positiveInteger('BENCH_SOAK_CONCURRENCY', 16),
      cpuProfileDir: values.profile,
      buildDir: undefined,
    },
  };
}
