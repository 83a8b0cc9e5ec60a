import { availableParallelism } from 'node:os';
import { endToEndTests, slowEndToEndTests } from './test/suites.js';
import { suiteConfig } from './vitest.shared.js';

/**
 * `npm run test:e2e`: the end-to-end files (see test/suites.ts). Their processes start the way
 * a user's do (tsx, the built package, an embedded database), which takes many seconds on a
 * loaded machine: three minutes per test is a bound for a hang, not a timing. Each file starts
 * several processes, so they run as many at once as there are cores.
 */
export default suiteConfig({
  include: endToEndTests,
  report: '.vitest-report-e2e.json',
  timeoutMs: 180_000,
  maxWorkers: availableParallelism(),
  slowFirst: slowEndToEndTests,
});
