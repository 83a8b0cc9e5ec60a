import { allTests, endToEndTests, isolatedTests } from './test/suites.js';
import { suiteConfig } from './vitest.shared.js';

/** `npm test`: every test but the end-to-end files (`npm run test:e2e`, see test/suites.ts). */
export default suiteConfig({
  include: allTests,
  exclude: endToEndTests,
  isolated: isolatedTests,
  report: '.vitest-report.json',
});
