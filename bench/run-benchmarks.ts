/**
 * `npm run bench`: the load benchmarks of issue 7. Each scenario measures the gateway against
 * the same load client talking to the same mock upstream directly through the official SDK, in
 * the same run; results go to bench/results/<scenario>.json and the generated section of
 * docs/PERFORMANCE.md. See `npm run bench -- --help` for sizes and switches.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchConfig, USAGE } from './lib/bench-config.js';
import { compileForBench } from './lib/compile-for-bench.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { readReports, renderGeneratedSection, writePerformanceDoc } from './lib/render-performance-doc.js';
import { buildScenarioReport } from './lib/scenario-report.js';
import { allScenarios } from './scenarios/all-scenarios.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const defaultResultsDir = join(benchDir, 'results');
const docPath = join(benchDir, '..', 'docs', 'PERFORMANCE.md');

const argv = process.argv.slice(2);
const {
  config,
  writeDoc,
  help,
  useTsx,
  docOnly,
  prebuiltDir,
  resultsDir: resultsOption,
} = parseBenchConfig(argv);
const resultsDir = resultsOption === undefined ? defaultResultsDir : resolve(resultsOption);
if (help) {
  console.log(USAGE);
  process.exit(0);
}
if (docOnly) {
  writePerformanceDoc(
    docPath,
    renderGeneratedSection(readReports(defaultResultsDir, allScenarios), allScenarios),
  );
  console.log(`updated ${docPath}`);
  process.exit(0);
}
const machine = describeMachine();
// Sizes set through the environment are part of the command that reproduces a figure.
const sizeVariables = Object.entries(process.env)
  .filter(([name, value]) => name.startsWith('BENCH_') && value !== undefined && value !== '')
  .map(([name, value]) => `${name}=${value ?? ''}`)
  .sort();
const command = [...sizeVariables, 'npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
mkdirSync(resultsDir, { recursive: true });
if (config.cpuProfileDir !== undefined) mkdirSync(config.cpuProfileDir, { recursive: true });
console.log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, commit ${machine.commit}`);
if (prebuiltDir !== undefined) {
  console.log(`running the compiled tree ${prebuiltDir} as it is`);
  config.buildDir = resolve(prebuiltDir);
} else if (!useTsx) {
  console.log('compiling the repository with tsc for the gateway and mock processes…');
  config.buildDir = await compileForBench(join(benchDir, '..'));
}

for (const id of config.scenarios) {
  const scenario = allScenarios.find((candidate) => candidate.id === id);
  if (scenario === undefined) continue;
  const repeats: Array<Record<string, number>> = [];
  const loadAverages: number[] = [];
  for (let repetition = 1; repetition <= config.repeat; repetition += 1) {
    loadAverages.push(currentLoad());
    console.log(
      `${scenario.title} — repetition ${repetition}/${config.repeat} (load ${loadAverages.at(-1)})`,
    );
    const outcome = await scenario.run(config, (line) => console.log(line));
    repeats.push(outcome.figures);
  }
  const report = buildScenarioReport({ scenario, config, machine, command, loadAverages, repeats });
  writeFileSync(join(resultsDir, `${scenario.id}.json`), `${JSON.stringify(report, null, 2)}\n`);
  for (const target of report.targets) {
    const verdict = !target.measured
      ? 'not measured'
      : target.met
        ? 'met'
        : `MISSED by ${target.missedBy} ${target.unit}`;
    console.log(`  target ${target.label}: ${target.value} ${target.unit} — ${verdict}`);
  }
}

if (writeDoc) {
  writePerformanceDoc(docPath, renderGeneratedSection(readReports(resultsDir, allScenarios), allScenarios));
  console.log(`updated ${docPath}`);
}
