/**
 * The budget ledger's read indexes, before and after migration 26 (issue 79): what each set costs
 * a row's insert, and what a usage report's read costs with it, on the embedded PostgreSQL
 * server. The ledger is seeded with `--rows` (300,000) calls over 30 days in time order,
 * `--tenants` (20) tenants of 50 subjects each, then vacuumed and analyzed. Reads, median of
 * three: one tenant's month, one subject's month, one tenant's last day, and the whole ledger;
 * with the B-tree on `at` and `readSqlLedger` (shipped), then with the two B-trees `(at, call_id)`
 * and `(tenant, at)` and the read before (`bench/lib/ledger-read-keyset.ts`). Inserts: rounds of
 * `--batches` (200) statements of 85 rows (a busy sole writer's batch) with each set in turn, and
 * with no read index (the floor), as µs of the statement's time per row. Prints a table.
 *
 *   node --import tsx bench/ledger-read-cost.ts [--rows 300000] [--tenants 20] [--batches 200]
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LedgerFilter } from '../src/core/budget-counter-store.js';
import { silentLogger } from '../src/core/logger.js';
import { openEmbeddedEngine } from '../src/database/sql/open-embedded-engine.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { readSqlLedger } from '../src/database/sql/sql-budget-ledger.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { numberFlag } from './lib/cli-flags.js';
import { readLedgerByKeyset } from './lib/ledger-read-keyset.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { median, round } from './lib/stats.js';

const rows = numberFlag('rows', 300_000);
const tenants = numberFlag('tenants', 20);
const batches = numberFlag('batches', 200);
const SUBJECTS = 50;
const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 1);
const END = START + 30 * DAY;

const BTREES = `CREATE INDEX budget_ledger_by_time ON budget_ledger (at, call_id);
CREATE INDEX budget_ledger_by_tenant ON budget_ledger (tenant, at);`;
const AT_BTREE = 'CREATE INDEX budget_ledger_by_at ON budget_ledger (at);';
const DROP = `DROP INDEX IF EXISTS budget_ledger_by_time; DROP INDEX IF EXISTS budget_ledger_by_tenant;
DROP INDEX IF EXISTS budget_ledger_by_at;`;

/** Rows `from` to `to` - 1 of the seeded ledger: the i-th call at START + i * step, in time order. */
const insertRange = (from: number, to: number, step: number): string => `
INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id, input_tokens,
  output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version, counter_ids, kind, at)
SELECT 'call-' || lpad(i::text, 10, '0') || '-01a22cef6af59ebd', 'run-' || i, 'anthropic', 'claude-sonnet-4-5',
  'tenant-' || (i % ${tenants}), 'tenant-' || (i % ${tenants}) || '-user-' || ((i / ${tenants}) % ${SUBJECTS}),
  NULL, 1200, 300, 0, 0, 8100, 'genai-prices@0.1.8',
  ARRAY['tenant:tenant-' || (i % ${tenants}) || '|month|UTC|2026-11'], 'settled',
  ${START} + floor(i::float8 * ${step})::bigint
FROM generate_series(${from}, ${to - 1}) AS i`;

const reads: Array<[string, LedgerFilter]> = [
  ["one tenant's month", { tenant: 'tenant-3', since: START }],
  ["one subject's month", { subject: 'tenant-3-user-7', since: START }],
  ["one tenant's last day", { tenant: 'tenant-3', since: END - DAY }],
  ['the whole ledger', {}],
];

async function timeReads(engine: SqlEngine, read: (filter: LedgerFilter) => AsyncIterable<unknown>) {
  const figures: Array<{ read: string; rows: number; ms: number }> = [];
  for (const [name, filter] of reads) {
    const times: number[] = [];
    let count = 0;
    for (let repeat = 0; repeat < 3; repeat += 1) {
      const started = performance.now();
      count = 0;
      for await (const _ of read(filter)) count += 1;
      times.push(performance.now() - started);
    }
    figures.push({ read: name, rows: count, ms: round(median(times), 1) });
  }
  return figures;
}

async function timeInserts(engine: SqlEngine, next: { at: number }): Promise<number> {
  const step = (30 * DAY) / rows;
  const started = performance.now();
  for (let batch = 0; batch < batches; batch += 1) {
    await engine.query(insertRange(next.at, next.at + 85, step));
    next.at += 85;
  }
  return ((performance.now() - started) * 1000) / (batches * 85);
}

const dir = await mkdtemp(join(tmpdir(), 'bench-ledger-read-'));
await chmod(dir, 0o755);
const engine = await openEmbeddedEngine(dir, { engine: 'postgres', logger: silentLogger });
try {
  await runMigrations(engine);
  const loadBefore = currentLoad();
  await engine.query(DROP);
  for (let from = 0; from < rows; from += 50_000) {
    await engine.query(insertRange(from, Math.min(rows, from + 50_000), (30 * DAY) / rows));
  }
  await engine.query(AT_BTREE);
  await engine.query('VACUUM ANALYZE budget_ledger');
  const withAt = await timeReads(engine, (filter) => readSqlLedger(engine, filter));
  await engine.query(DROP);
  await engine.query(BTREES);
  await engine.query('VACUUM ANALYZE budget_ledger');
  const withBtrees = await timeReads(engine, (filter) => readLedgerByKeyset(engine, filter));
  // Inserts past the seeded rows, the two index sets in turn, three rounds each.
  const next = { at: rows };
  const inserts: Record<'at' | 'btrees' | 'none', number[]> = { at: [], btrees: [], none: [] };
  const kinds = ['at', 'btrees', 'none'] as const;
  for (let round_ = 0; round_ < 9; round_ += 1) {
    const kind = kinds[round_ % 3] ?? 'at';
    await engine.query(DROP);
    if (kind !== 'none') await engine.query(kind === 'at' ? AT_BTREE : BTREES);
    inserts[kind].push(round(await timeInserts(engine, next), 2));
  }
  console.log(
    JSON.stringify({ machine: describeMachine(), rows, tenants, loadBefore, loadAfter: currentLoad() }),
  );
  console.log('\n| read | rows | B-tree on `at`, ms | two B-trees (before), ms |\n| --- | --- | --- | --- |');
  withAt.forEach((figure, index) =>
    console.log(`| ${figure.read} | ${figure.rows} | ${figure.ms} | ${withBtrees[index]?.ms ?? '?'} |`),
  );
  console.log(`\ninsert, µs a row (85 a statement), three rounds each:`);
  console.log(`  B-tree on at (shipped): ${inserts.at.join(', ')}`);
  console.log(`  two B-trees (before):  ${inserts.btrees.join(', ')}`);
  console.log(`  no read index:         ${inserts.none.join(', ')}`);
} finally {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
}
