import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildServeTree } from './serve-tree.js';

/**
 * The options of `parseArgs` every bench that compares built `serve` gateways takes: `--out FILE`
 * (the JSON results), `--rounds N` (1) and `--mode` (a `ServeMode`, `default`).
 */
export const BUILD_ROUND_OPTIONS = {
  out: { type: 'string' },
  rounds: { type: 'string', default: '1' },
  mode: { type: 'string', default: 'default' },
} as const;

/** One build to measure: `label=ref` on a bench's command line. */
export interface BuildSpec {
  label: string;
  /** A git ref built into a temp folder, `worktree`, or a folder `buildServeTree` made earlier. */
  ref: string;
}

/** Parses positionals `label=ref` into build specs (in order). */
export function parseBuildSpecs(positionals: readonly string[]): BuildSpec[] {
  return positionals.map((spec) => {
    const [label = '', ref = ''] = spec.split('=');
    return { label, ref };
  });
}

/** How `runBuildRounds` measures one build in one round and reports it. */
export interface BuildRoundsOptions<Figures> {
  repositoryRoot: string;
  specs: readonly BuildSpec[];
  rounds: number;
  /** Measures the build `label` laid out in `tree`, in round `roundIndex` (from 0). */
  measure: (label: string, tree: string, roundIndex: number) => Promise<Figures>;
  /** Prints one round's figures for one build. */
  report: (roundIndex: number, label: string, figures: Figures) => void;
}

/**
 * Builds every spec whose ref is not already a built folder (`dist/cli/main.js` present; such a
 * folder is used as it is and kept), then measures each build `rounds` times, alternating the
 * builds' order every round so neither always runs first. Removes the folders it built.
 */
export async function runBuildRounds<Figures>(
  options: BuildRoundsOptions<Figures>,
): Promise<Array<{ label: string; figures: Figures }>> {
  const { repositoryRoot, specs, rounds, measure, report } = options;
  const trees = new Map<string, string>();
  const built: string[] = [];
  try {
    for (const spec of specs) {
      if (existsSync(join(spec.ref, 'dist', 'cli', 'main.js'))) {
        trees.set(spec.label, resolve(spec.ref));
        continue;
      }
      console.log(`building ${spec.label} (${spec.ref}) …`);
      const tree = await buildServeTree(repositoryRoot, spec.ref, spec.label);
      trees.set(spec.label, tree);
      built.push(tree);
    }
    const runs: Array<{ label: string; figures: Figures }> = [];
    for (let index = 0; index < rounds; index += 1) {
      const order = index % 2 === 0 ? specs : [...specs].reverse();
      for (const spec of order) {
        const figures = await measure(spec.label, trees.get(spec.label) ?? '', index);
        runs.push({ label: spec.label, figures });
        report(index, spec.label, figures);
      }
    }
    return runs;
  } finally {
    for (const tree of built) rmSync(tree, { recursive: true, force: true });
  }
}
