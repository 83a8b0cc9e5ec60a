import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Examples import the package by name; in this repository that name means the sources.
const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^ai-agent-gateway\/([a-z-]+)$/, replacement: source('./src/$1.ts') },
      { find: /^ai-agent-gateway$/, replacement: source('./src/index.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    // Most of the suite waits on real subprocesses, sockets and servers rather than the CPU, so
    // more workers than cores keep both cores busy (Vitest's default is cores - 1: one worker
    // on a 2-core machine). VITEST_MAX_WORKERS overrides it.
    maxWorkers: Number(process.env['VITEST_MAX_WORKERS'] ?? Math.max(3, availableParallelism())),
    // Generous, because a loaded machine (CI, or several workers per core) is slow, not wrong.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Builds dist/ when it is missing or older than src/: a few tests run the built package.
    globalSetup: ['test/global-setup.ts'],
    restoreMocks: true,
    // In CI a JSON report is written too, so `.ci/run` can print "N passed, N failed".
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-report.json' }]] : ['default'],
  },
});
