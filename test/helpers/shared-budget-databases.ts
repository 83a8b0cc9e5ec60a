import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createPgliteEngine } from '../../src/database/sql/pglite-engine.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { createPgliteEngineFromTemplate } from './pglite-template.js';

/**
 * `count` migrated PGlite databases for a whole test file, their budget tables emptied before
 * each test: starting a database per test was most of such a file's time. Registers the file's
 * hooks; the function returned hands out the next database of the current test (a test takes
 * `count` at most).
 */
export function sharedBudgetDatabases(count: number, prefix: string): () => Promise<SqlEngine> {
  const shared: Array<{ engine: SqlEngine; dir: string }> = [];
  let taken = 0;
  beforeAll(async () => {
    for (let index = 0; index < count; index += 1) {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      await (await createPgliteEngineFromTemplate(dir, 'migrated')).close();
      shared.push({ engine: await createPgliteEngine(dir), dir });
    }
  });
  afterAll(async () => {
    for (const { engine, dir } of shared.splice(0)) {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
  beforeEach(async () => {
    taken = 0;
    for (const { engine } of shared) {
      await engine.query('TRUNCATE budget_ledger, budget_counters, budget_reservations, budget_overrides');
    }
  });
  return () => {
    const next = shared[taken];
    if (next === undefined) throw new Error(`a test of this file uses ${count} database(s) at most`);
    taken += 1;
    return Promise.resolve(next.engine);
  };
}
