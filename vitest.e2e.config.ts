import { endToEndTests } from './test/suites.js';
import { suiteConfig } from './vitest.shared.js';

/** `npm run test:e2e`: the end-to-end files (see test/suites.ts). */
export default suiteConfig({ include: endToEndTests, report: '.vitest-report-e2e.json' });
