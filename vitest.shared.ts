import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';
import { slowFirstSequencer } from './test/slow-first-sequencer.js';

// Examples import the package by name; in this repository that name means the sources.
const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** What differs between the suites: which files, and where CI's JSON report goes. */
export interface SuiteOptions {
  include: readonly string[];
  exclude?: readonly string[];
  /**
   * Files that run in a process of their own; every other file shares its worker's module graph
   * (`isolate: false`, see test/suites.ts). Absent: every file runs in a process of its own.
   */
  isolated?: readonly string[];
  /** The JSON report CI reads to print "N passed, N failed" (written when CI is set). */
  report: string;
  /** Bound of a test and of a hook that set none, in ms. Default 120,000. */
  timeoutMs?: number;
  /** Most test files at once when VITEST_MAX_WORKERS is not set. Default max(3, cores). */
  maxWorkers?: number;
  /** Files started before all others, in this order (`slowFirstSequencer`). */
  slowFirst?: readonly string[];
}

/**
 * Files named on the command line (`npx vitest run test/redis/x.test.ts`) run whichever suite
 * they belong to: a suite's exclusions apply only to a run of the whole suite.
 */
const namesFiles = process.argv.slice(2).some((argument) => /\.test\.ts$/.test(argument));

/** The Vitest configuration of one suite of this repository. */
export function suiteConfig(options: SuiteOptions): ViteUserConfig {
  const exclude = [...configDefaults.exclude, ...(namesFiles ? [] : (options.exclude ?? []))];
  const isolated = options.isolated;
  return defineConfig({
    resolve: {
      alias: [
        { find: /^ai-agent-gateway\/([a-z-]+)$/, replacement: source('./src/$1.ts') },
        { find: /^ai-agent-gateway$/, replacement: source('./src/index.ts') },
      ],
    },
    test: {
      // With projects, each names its own files (Vitest would merge the root's lists into theirs).
      ...(isolated === undefined ? { include: [...options.include], exclude } : {}),
      environment: 'node',
      // Most of the suite waits on real subprocesses, sockets and servers rather than the CPU,
      // so more workers than cores keep both cores busy (Vitest's default is cores - 1: one
      // worker on a 2-core machine). VITEST_MAX_WORKERS overrides it.
      maxWorkers: Number(
        process.env['VITEST_MAX_WORKERS'] ?? options.maxWorkers ?? Math.max(3, availableParallelism()),
      ),
      // Generous, because a loaded machine (CI, or several workers per core) is slow, not wrong: a
      // bound for a hang, not a timing. At load 14-16 an embedded database's start in a hook and a
      // test that opens two took over 60 s.
      testTimeout: options.timeoutMs ?? 120_000,
      hookTimeout: options.timeoutMs ?? 120_000,
      // Builds dist/ when it is missing or older than src/: a few tests run the built package.
      globalSetup: ['test/global-setup.ts'],
      ...(options.slowFirst === undefined
        ? {}
        : { sequence: { sequencer: slowFirstSequencer(options.slowFirst) } }),
      restoreMocks: true,
      unstubEnvs: true,
      unstubGlobals: true,
      reporters: process.env['CI'] ? ['default', ['json', { outputFile: options.report }]] : ['default'],
      ...(isolated === undefined
        ? {}
        : {
            projects: [
              {
                // One module graph per worker, not per file: importing the sources again for every
                // file was over half of the suite's CPU. No test mocks modules; environment
                // variables and globals stubbed with vi.stubEnv / vi.stubGlobal are restored after
                // each test, and a file that leaves the process changed fails (the setup file).
                extends: true,
                test: {
                  name: 'shared',
                  include: [...options.include],
                  isolate: false,
                  exclude: [...exclude, ...isolated],
                  setupFiles: ['test/setup/leaves-process-as-found.ts'],
                },
              },
              { extends: true, test: { name: 'isolated', include: [...isolated], exclude, isolate: true } },
            ],
          }),
    },
  });
}
