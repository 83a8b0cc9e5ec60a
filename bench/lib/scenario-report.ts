import type { MachineInfo } from './machine-info.js';
import type { BenchConfig, Scenario, Target } from './scenario.js';
import { median, round } from './stats.js';

/** A target checked against the median figure. */
export interface TargetResult {
  label: string;
  figure: string;
  value: number;
  limit: number;
  unit: string;
  met: boolean;
  /** How far past the limit the figure is (0 when met), in `unit`. */
  missedBy: number;
  /** False when the figure was not measured in this run (e.g. a size that was not run). */
  measured: boolean;
}

/** The JSON written to `bench/results/<scenario>.json`. */
export interface ScenarioReport {
  scenario: string;
  title: string;
  method: string;
  date: string;
  command: string;
  machine: MachineInfo;
  /** 1-minute load average at the start of each repetition. */
  loadAverages: number[];
  config: BenchConfig;
  /** Figures of every repetition. */
  repeats: Array<Record<string, number>>;
  /** Median of each figure over the repetitions. */
  figures: Record<string, number>;
  targets: TargetResult[];
}

/** Median of every figure over the repetitions. */
export function medianFigures(repeats: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const names = new Set(repeats.flatMap((figures) => Object.keys(figures)));
  const result: Record<string, number> = {};
  for (const name of names) result[name] = median(repeats.map((figures) => figures[name] ?? Number.NaN));
  return result;
}

/** Checks one target against the figures. */
export function checkTarget(target: Target, figures: Record<string, number>): TargetResult {
  const value = figures[target.figure] ?? Number.NaN;
  const met = target.kind === 'atMost' ? value <= target.limit : value >= target.limit;
  const missedBy = met || !Number.isFinite(value) ? 0 : round(Math.abs(value - target.limit));
  return {
    label: target.label,
    figure: target.figure,
    value,
    limit: target.limit,
    unit: target.unit,
    met,
    missedBy,
    measured: Number.isFinite(value),
  };
}

/** Builds the report of a scenario from its repetitions. */
export function buildScenarioReport(options: {
  scenario: Scenario;
  config: BenchConfig;
  machine: MachineInfo;
  command: string;
  loadAverages: number[];
  repeats: Array<Record<string, number>>;
}): ScenarioReport {
  const figures = medianFigures(options.repeats);
  return {
    scenario: options.scenario.id,
    title: options.scenario.title,
    method: options.scenario.method(options.config),
    date: new Date().toISOString(),
    command: options.command,
    machine: options.machine,
    loadAverages: options.loadAverages,
    config: options.config,
    repeats: options.repeats,
    figures,
    targets: options.scenario.targets.map((target) => checkTarget(target, figures)),
  };
}
