/** Sizes and switches of one benchmark run (see bench-config.ts for the defaults). */
export interface BenchConfig {
  /** Scenario ids to run, in order. */
  scenarios: string[];
  /** Fresh repetitions of each scenario; the report keeps the median of each figure. */
  repeat: number;
  ttftRequests: number;
  throughputConcurrency: number;
  throughputDurationMs: number;
  fanOutSizes: number[];
  fanOutDeltas: number;
  fanOutDelayMs: number;
  toolCalls: number;
  mcpCalls: number;
  abortCycles: number;
  abortConcurrency: number;
  soakDurationMs: number;
  soakConcurrency: number;
  /** When set, the gateway of the TTFT and throughput scenarios writes CPU profiles here. */
  cpuProfileDir: string | undefined;
  /** The compiled repository the child processes run (undefined: TypeScript under tsx). */
  buildDir: string | undefined;
}

/** What one run of a scenario measured: flat named figures (ms, counts, bytes, ratios). */
export interface ScenarioOutcome {
  figures: Record<string, number>;
}

/** A target of the issue, checked against one figure. */
export interface Target {
  /** How the issue words it. */
  label: string;
  figure: string;
  limit: number;
  /** `atMost`: the figure must not exceed the limit; `atLeast`: it must reach it. */
  kind: 'atMost' | 'atLeast';
  unit: string;
}

/** One benchmark scenario. */
export interface Scenario {
  id: string;
  title: string;
  /** One paragraph: what is measured and how. */
  method: (config: BenchConfig) => string;
  targets: Target[];
  run(config: BenchConfig, log: (line: string) => void): Promise<ScenarioOutcome>;
  /** Markdown table of the (median) figures. */
  render(figures: Record<string, number>): string;
}

/** A figure formatted for a table (`n/a` when it was not measured). */
export function show(value: number | undefined, decimals = 3): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(decimals);
}

/** A markdown table from a header row and data rows. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
