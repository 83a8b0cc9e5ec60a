import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Vitest configuration of the chaos suite (`npm run test:chaos`). The suite is skipped unless
 * AGENT_GATEWAY_CHAOS=1, which this configuration sets, so `npm test` does not run it; it needs
 * `--expose-gc` to compare memory before and after the storm.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/chaos/**/*.test.ts'],
    environment: 'node',
    env: { AGENT_GATEWAY_CHAOS: '1' },
    execArgv: ['--expose-gc'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
