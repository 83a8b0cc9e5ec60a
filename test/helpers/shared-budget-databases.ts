import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createPgliteEngine } from '../../src/database/sql/pglite-engine.js';
import { budgetLineOf, type BudgetWrite } from '../../src/database/sql/budget-lines.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { BudgetBatch } from '../../src/database/sql/sql-budget-batch.js';
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

/** Every row of the three budget tables a batch writes, in a stable order. */
export const budgetTables = async (engine: SqlEngine) => ({
  ledger: (await engine.query('SELECT * FROM budget_ledger ORDER BY call_id')).rows,
  counters: (await engine.query('SELECT * FROM budget_counters ORDER BY counter_id')).rows,
  reservations: (await engine.query('SELECT * FROM budget_reservations ORDER BY call_id')).rows,
});

/** Registers the file's cleanup and returns a maker of empty folders (a journal's), removed after each test. */
export function scratchFolders(prefix: string): () => Promise<string> {
  const folders: string[] = [];
  afterEach(async () => {
    for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    folders.push(dir);
    return dir;
  };
}

/** `writes` gathered in one `BudgetBatch`, as the write-behind gathers them. */
export const batchOf = (writes: readonly BudgetWrite[]): BudgetBatch => {
  const batch = new BudgetBatch();
  for (const write of writes) {
    if (write.kind === 'reserve') batch.addReserve(write, budgetLineOf(write));
    else batch.addEnd(write, budgetLineOf(write));
  }
  return batch;
};
