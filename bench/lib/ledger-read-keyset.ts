import type { LedgerFilter } from '../../src/core/budget-counter-store.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';

/**
 * The ledger read before migration 26, for `bench/ledger-read-cost.ts`: pages of 1,000 rows by
 * keyset on `(at, call_id)`, which the B-trees `(at, call_id)` and `(tenant, at)` served. Yields
 * each row's cost only: the bench compares the reads, not the rows' conversion.
 */
export async function* readLedgerByKeyset(engine: SqlEngine, filter: LedgerFilter): AsyncIterable<number> {
  let after: { at: unknown; callId: string } | undefined;
  for (;;) {
    const page = await engine.query<{ at: unknown; call_id: string; cost_micros: unknown }>(
      `SELECT * FROM budget_ledger
       WHERE ($1::text IS NULL OR tenant = $1) AND ($2::text IS NULL OR subject = $2)
         AND ($3::text IS NULL OR api_key_id = $3) AND ($4::bigint IS NULL OR at >= $4)
         AND ($5::bigint IS NULL OR at < $5)
         AND ($6::bigint IS NULL OR (at, call_id) > ($6, $7::text))
       ORDER BY at, call_id LIMIT 1000`,
      [
        filter.tenant ?? null,
        filter.subject ?? null,
        filter.apiKeyId ?? null,
        filter.since ?? null,
        filter.until ?? null,
        after === undefined ? null : Number(after.at),
        after?.callId ?? null,
      ],
      'bench_read_ledger_keyset',
    );
    for (const row of page.rows) yield Number(row.cost_micros);
    const last = page.rows.at(-1);
    if (last === undefined || page.rows.length < 1000) return;
    after = { at: last.at, callId: last.call_id };
  }
}
