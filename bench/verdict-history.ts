/**
 * What many verdict runs say together (issues 79 and 81). One verdict run measures each (run,
 * answer length) pair once, and on a shared machine the A/A control of a single pair moves
 * several percent (the two lanes are the same build). This pools the pairs of the raw results
 * named on the command line (`bench/results/issue-81/durable-verdict-*.json` or
 * `bench/results/issue-79/budget-verdict-*.json`; one issue at a time) and prints, per answer
 * length:
 * - the chats/s ratio the verdict judges (default / `--no-database` for 81, budget / default for
 *   79): pairs, mean, standard deviation and a 95% interval of the mean, and the share of pairs
 *   at or over the issue's target;
 * - the A/A control over the default in the same pairs, which should be 1: its spread is the
 *   machine's, not the gateway's;
 * - the chance that one verdict of `--runs` runs (3) meets the chats/s target in every pair, from
 *   those shares: what a verdict can show on this machine at the ratio it measures.
 * Runs of the double-write experiment are left out. Which files to pool is the caller's choice:
 * name the ones of one build (a control lane that was another build is not an A/A control).
 *
 *   node --import tsx bench/verdict-history.ts [--runs 3] bench/results/issue-81/durable-verdict-2026-11-30T0*.json
 */
import { readFileSync } from 'node:fs';
import { numberFlag, positionalArguments } from './lib/cli-flags.js';
import { round } from './lib/stats.js';

/** The part of a raw result this reads. */
interface RawVerdict {
  issue: number;
  settings?: { doubleWrites?: boolean };
  targets: { chatsRatio: number };
  runs: Array<{
    checks: Array<{ deltas: number; chatsRatio?: number; controlRatio?: number; memoryOverMiB?: number }>;
  }>;
}

/** Two-sided 95% quantiles of Student's t for 1-30 degrees of freedom (1.96 beyond). */
const T95 = [
  12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Mean, sample standard deviation and the 95% interval of the mean. */
function describe(values: readonly number[], decimals = 3) {
  const n = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const sd =
    n < 2 ? Number.NaN : Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return {
    n,
    mean: round(mean, decimals),
    sd: round(sd, decimals),
    low: round(mean - half, decimals),
    high: round(mean + half, decimals),
  };
}

const files = positionalArguments(['runs']);
if (files.length === 0) throw new Error('name the raw verdict results to pool (bench/results/issue-*/…json)');
const runsPerVerdict = numberFlag('runs', 3);

const ratios = new Map<number, number[]>();
const controls = new Map<number, number[]>();
/** Issue 81's memory over `--no-database` per pair, MiB (its target: at most +64). */
const memory = new Map<number, number[]>();
const push = (map: Map<number, number[]>, deltas: number, value: number | undefined): void => {
  if (value === undefined || !Number.isFinite(value)) return;
  const values = map.get(deltas);
  if (values === undefined) map.set(deltas, [value]);
  else values.push(value);
};
let issue: number | undefined;
let target = Number.NaN;
let skipped = 0;
for (const file of files) {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawVerdict;
  if (issue !== undefined && raw.issue !== issue)
    throw new Error(`${file} is issue ${raw.issue}'s, not ${issue}'s`);
  issue = raw.issue;
  target = raw.targets.chatsRatio;
  if (raw.settings?.doubleWrites === true) {
    skipped += 1;
    continue;
  }
  for (const run of raw.runs)
    for (const check of run.checks) {
      push(ratios, check.deltas, check.chatsRatio);
      push(controls, check.deltas, check.controlRatio);
      push(memory, check.deltas, check.memoryOverMiB);
    }
}

const judged = issue === 79 ? 'budget / default' : 'default / --no-database';
console.log(
  `issue ${String(issue)}: ${files.length - skipped} result files` +
    `${skipped > 0 ? ` (${skipped} double-write runs left out)` : ''}; target ${judged} >= ${target}\n`,
);
console.log(
  `| deltas | pairs | ${judged}: mean (95% interval), sd | pairs >= ${target} | A/A control / default: mean, sd | A/A pairs >= ${target} |`,
);
console.log('| --- | --- | --- | --- | --- | --- |');
let verdictChance = 1;
let controlChance = 1;
for (const deltas of [...ratios.keys()].sort((left, right) => left - right)) {
  const values = ratios.get(deltas) ?? [];
  const ratio = describe(values);
  const meeting = values.filter((value) => value >= target).length / values.length;
  verdictChance *= meeting ** runsPerVerdict;
  const control = controls.get(deltas) ?? [];
  const aa = control.length === 0 ? undefined : describe(control);
  const aaMeeting = control.filter((value) => value >= target).length / Math.max(1, control.length);
  controlChance *= aaMeeting ** runsPerVerdict;
  console.log(
    `| ${deltas} | ${ratio.n} | ${ratio.mean} (${ratio.low}-${ratio.high}), ${ratio.sd} | ${round(meeting, 2)} | ` +
      `${aa === undefined ? '-' : `${aa.mean}, ${aa.sd} (${aa.n} pairs)`} | ${aa === undefined ? '-' : round(aaMeeting, 2)} |`,
  );
}
if (memory.size > 0) {
  console.log(
    '\n| deltas | pairs | RSS over `--no-database`, MiB: mean (95% interval), sd | pairs <= +64 MiB |',
  );
  console.log('| --- | --- | --- | --- |');
  for (const deltas of [...memory.keys()].sort((left, right) => left - right)) {
    const values = memory.get(deltas) ?? [];
    const over = describe(values, 1);
    const within = values.filter((value) => value <= 64).length / values.length;
    console.log(
      `| ${deltas} | ${over.n} | ${over.mean} (${over.low}-${over.high}), ${over.sd} | ${round(within, 2)} |`,
    );
  }
}
console.log(
  `\nchance that one verdict of ${runsPerVerdict} runs meets ${target} in every pair, from these shares: ` +
    `${round(verdictChance, 3)}; for the A/A control, the same build on both sides: ` +
    `${controls.size === 0 ? '-' : round(controlChance, 3)}`,
);
