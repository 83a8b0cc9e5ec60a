import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from './scenario.js';
import type { ScenarioReport, TargetResult } from './scenario-report.js';
import { show, table } from './scenario.js';

/** Markers around the part of docs/PERFORMANCE.md that `npm run bench` rewrites. */
export const GENERATED_START =
  '<!-- bench:generated:start (written by `npm run bench`; edit bench/ instead) -->';
export const GENERATED_END = '<!-- bench:generated:end -->';

const verdict = (target: TargetResult): string => {
  if (target.measured === false) return 'not measured';
  return target.met ? 'met' : `**missed** by ${show(target.missedBy)} ${target.unit}`;
};

/** Reads the latest report of each scenario that has one. */
export function readReports(resultsDir: string, scenarios: readonly Scenario[]): ScenarioReport[] {
  return scenarios.flatMap((scenario) => {
    const path = join(resultsDir, `${scenario.id}.json`);
    return existsSync(path) ? [JSON.parse(readFileSync(path, 'utf8')) as ScenarioReport] : [];
  });
}

/** The generated markdown: a targets summary, then each scenario's method and figures. */
export function renderGeneratedSection(
  reports: readonly ScenarioReport[],
  scenarios: readonly Scenario[],
): string {
  const byId = new Map(scenarios.map((scenario) => [scenario.id, scenario]));
  const parts: string[] = [GENERATED_START, '', '### Targets (medians over the repetitions)', ''];
  parts.push(
    table(
      ['scenario', 'target', 'measured', 'verdict'],
      reports.flatMap((report) =>
        report.targets.map((target) => [
          report.title.replace(/^\d+\.\s*/, ''),
          target.label,
          `${show(target.value)} ${target.unit}`,
          verdict(target),
        ]),
      ),
    ),
    '',
    '### Runs',
    '',
    table(
      ['scenario', 'date', 'commit', 'repetitions', 'load average (1 min) at start', 'command'],
      reports.map((report) => [
        report.scenario,
        report.date.slice(0, 16).replace('T', ' '),
        `${report.machine.commit}${report.machine.dirty ? ' + working tree' : ''}`,
        String(report.repeats.length),
        report.loadAverages.map((load) => show(load, 2)).join(', '),
        `\`${report.command}\``,
      ]),
    ),
    '',
  );
  const machine = reports[0]?.machine;
  if (machine !== undefined) {
    parts.push(
      `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, ` +
        `Node ${machine.node}. Load client, gateway and mock upstream run as three processes on it.`,
      '',
    );
  }
  for (const report of reports) {
    const scenario = byId.get(report.scenario);
    parts.push(`### ${report.title}`, '', report.method, '');
    if (scenario !== undefined) parts.push(scenario.render(report.figures), '');
    if (report.repeats.length > 1) {
      const spread = report.targets
        .map(
          (target) =>
            `${target.figure}: ${report.repeats.map((figures) => show(figures[target.figure])).join(' / ')}`,
        )
        .join('; ');
      if (spread !== '') parts.push(`Per repetition — ${spread}.`, '');
    }
  }
  parts.push(GENERATED_END);
  return parts.join('\n');
}

/**
 * Replaces the generated section of the performance document (or inserts it before the first
 * `## ` heading after the title when the markers are missing); everything else is kept.
 */
export function writePerformanceDoc(docPath: string, generated: string): void {
  const current = readFileSync(docPath, 'utf8');
  const start = current.indexOf(GENERATED_START);
  const end = current.indexOf(GENERATED_END);
  let next: string;
  if (start !== -1 && end > start) {
    next = current.slice(0, start) + generated + current.slice(end + GENERATED_END.length);
  } else {
    const firstSection = current.indexOf('\n## ');
    const at = firstSection === -1 ? current.length : firstSection + 1;
    next = `${current.slice(0, at)}## Load benchmarks\n\n${generated}\n\n${current.slice(at)}`;
  }
  writeFileSync(docPath, next);
}
