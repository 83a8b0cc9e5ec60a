import { describe, expect, it } from 'vitest';
import type { LedgerFilter, LedgerRow } from '../../src/core/budget-counter-store.js';
import { readSqlLedger } from '../../src/database/sql/sql-budget-ledger.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { sharedBudgetDatabases } from '../helpers/shared-budget-databases.js';

const migrated = sharedBudgetDatabases(1, 'sql-ledger-reads-');

interface Seeded {
  callId: string;
  tenant: string | null;
  subject: string;
  at: number;
}

const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 1);

/**
 * 300 rows as a busy and then quiet ledger holds them: bursts where dozens share one
 * millisecond, a day with none, a long tail an hour apart, two tenants and untenanted calls.
 * Inserted out of time order, as two instances' batches interleave.
 */
function seededRows(): Seeded[] {
  const rows: Seeded[] = [];
  for (let index = 0; index < 300; index += 1) {
    const at =
      index < 120
        ? START + Math.floor(index / 40) // three milliseconds, 40 calls each
        : index < 200
          ? START + 2 * 24 * HOUR + (index - 120) * 7 // after an empty day, 7 ms apart
          : START + 3 * 24 * HOUR + (index - 200) * HOUR; // an hour apart
    rows.push({
      callId: `call-${String((index * 7919) % 1000).padStart(4, '0')}-${index}`,
      tenant: index % 5 === 0 ? null : index % 2 === 0 ? 'acme' : 'globex',
      subject: `user-${index % 3}`,
      at,
    });
  }
  return rows.reverse();
}

async function seed(engine: SqlEngine, rows: readonly Seeded[]): Promise<void> {
  for (const row of rows) {
    await engine.query(
      `INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id,
         input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version,
         counter_ids, kind, at)
       VALUES ($1, 'run', 'openai', 'gpt', $2, $3, NULL, 1, 2, 0, 0, 10, 'v1', '{}', 'settled', $4)`,
      [row.callId, row.tenant, row.subject, row.at],
    );
  }
}

/** What a read of `filter` must give: the matching rows by time, then call id. */
const expected = (rows: readonly Seeded[], filter: LedgerFilter): string[] =>
  rows
    .filter(
      (row) =>
        (filter.tenant === undefined || row.tenant === filter.tenant) &&
        (filter.subject === undefined || row.subject === filter.subject) &&
        (filter.since === undefined || row.at >= filter.since) &&
        (filter.until === undefined || row.at < filter.until),
    )
    .sort((left, right) => left.at - right.at || (left.callId < right.callId ? -1 : 1))
    .map((row) => row.callId);

async function read(engine: SqlEngine, filter: LedgerFilter, pageSize: number): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  for await (const row of readSqlLedger(engine, filter, pageSize)) rows.push(row);
  return rows;
}

describe('reading the SQL ledger a page at a time', () => {
  const filters: Array<[string, LedgerFilter]> = [
    ['every row', {}],
    ['one tenant', { tenant: 'acme' }],
    ['one subject since a time', { subject: 'user-1', since: START + 2 * 24 * HOUR + 100 }],
    ['a window that cuts a burst', { since: START + 1, until: START + 3 * 24 * HOUR + 5 * HOUR }],
  ];

  it.each(filters)('reads %s once each, oldest first, whatever the page size', async (_, filter) => {
    const engine = await migrated();
    const rows = seededRows();
    await seed(engine, rows);
    const want = expected(rows, filter);
    expect(want.length).toBeGreaterThan(10);
    for (const pageSize of [1, 7, 39, 40, 41, 1_000]) {
      const got = (await read(engine, filter, pageSize)).map((row) => row.callId);
      expect(got, `page size ${pageSize}`).toEqual(want);
    }
  });

  it('reads nothing, in one query, when no row matches', async () => {
    const engine = await migrated();
    await seed(engine, seededRows());
    expect(await read(engine, { tenant: 'initech' }, 7)).toEqual([]);
    expect(await read(engine, { since: START + 10 * 24 * HOUR }, 7)).toEqual([]);
  });

  it('reads a row back with its columns', async () => {
    const engine = await migrated();
    await seed(engine, [{ callId: 'only', tenant: 'acme', subject: 'ada', at: START }]);
    expect(await read(engine, {}, 1_000)).toEqual([
      expect.objectContaining({
        callId: 'only',
        payer: { tenant: 'acme', subject: 'ada' },
        usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 0, cacheCreationTokens: 0 },
        costMicros: 10,
        at: START,
      }),
    ]);
  });

  it('keeps one read index on the ledger, on its time, beside its key', async () => {
    const engine = await migrated();
    const indexes = await engine.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'budget_ledger' ORDER BY indexname`,
    );
    expect(indexes.rows.map((row) => row.indexname)).toEqual(['budget_ledger_by_at', 'budget_ledger_pkey']);
    expect(indexes.rows[0]?.indexdef).toContain('USING btree (at)');
  });
});
