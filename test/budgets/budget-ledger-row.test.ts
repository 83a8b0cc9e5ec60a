import { describe, expect, it } from 'vitest';
import { ledgerRowElementOf } from '../../src/database/sql/budget-ledger-row.js';
import type { BudgetWrite, EndWrite, ReserveWrite } from '../../src/database/sql/budget-lines.js';
import { holdIdsOf } from '../../src/database/sql/sole-writer-writes.js';
import { writeBudgetBatch, writeBudgetBatchOf } from '../../src/database/sql/sql-budget-batch.js';
import { batchOf, budgetTables, sharedBudgetDatabases } from '../helpers/shared-budget-databases.js';

/** The file's two databases (a pair's row against the unpaired statement's), emptied before each test. */
const migrated = sharedBudgetDatabases(2, 'budget-ledger-row-');

/** Values that a row literal or an array literal reads as syntax, or as a null, if not quoted. */
const awkward = [
  'acme "quoted" \\ back\\slash',
  'a,b (c) {d} [e]',
  'NULL',
  '',
  '  spaced  ',
  'tab\there\nnewline',
  'ünïcødé ✓ 日本',
  // Plain: sent unquoted, in the row and in the counter ids' array ('|' is plain in both).
  'acme',
  'plain|pipe',
];

const reserveOf = (callId: string, name: string, payer: boolean): ReserveWrite => ({
  kind: 'reserve',
  callId,
  amountMicros: 40_000,
  counterIds: [`tenant:${name}|month|Europe/Berlin|2026-11`, `subject:${name}|total|UTC|total`],
  windowEnds: [1_764_543_600_000, null],
  leaseUntil: 1_764_340_060_000,
  runId: `run ${name}`,
  provider: 'openai',
  model: `model/${name}`,
  ...(payer ? { tenant: name, subject: `user ${name}`, apiKeyId: `key ${name}` } : {}),
});

describe("a pair's ledger row, sent as a row literal", () => {
  it('reads back every value as the unpaired statement books it, whatever characters the values hold', async () => {
    const writes: BudgetWrite[] = [];
    awkward.forEach((name, index) => {
      const callId = `call ${index} ${name}`;
      writes.push(reserveOf(callId, name, index % 2 === 0), {
        kind: 'end',
        callId,
        costMicros: 1_000 + index,
        inputTokens: 10 + index,
        outputTokens: 20,
        cacheReadTokens: 3,
        cacheCreationTokens: 0,
        priceVersion: `prices ${name}`,
        at: 1_764_340_000_000.75 + index,
        ...(index === 3 ? { swept: true as const } : {}),
      });
    });
    const batch = batchOf(writes);
    expect(batch.pairs).toHaveLength(awkward.length);
    const paired = await migrated();
    const unpaired = await migrated();
    await writeBudgetBatchOf(paired, batch);
    await writeBudgetBatch(unpaired, writes);

    const rows = await budgetTables(paired);
    expect(rows).toEqual(await budgetTables(unpaired));
    expect(rows.ledger).toHaveLength(awkward.length);
    const byCall = new Map(rows.ledger.map((row) => [row['call_id'], row]));
    awkward.forEach((name, index) => {
      const row = byCall.get(`call ${index} ${name}`);
      expect(row).toMatchObject({
        run_id: `run ${name}`,
        model: `model/${name}`,
        tenant: index % 2 === 0 ? name : null,
        subject: index % 2 === 0 ? `user ${name}` : null,
        price_version: `prices ${name}`,
        counter_ids: [`tenant:${name}|month|Europe/Berlin|2026-11`, `subject:${name}|total|UTC|total`],
        kind: index === 3 ? 'lease_expired' : 'settled',
        at: 1_764_340_000_000 + index,
        cost_micros: 1_000 + index,
      });
    });
    // Each counter got its pair's cost once.
    expect(rows.counters.every((row) => Number(row['spent_micros']) >= 1_000)).toBe(true);
    expect(rows.counters).toHaveLength(awkward.length * 2);
  });

  it("holds the ledger table's columns in the order the row literal writes them", async () => {
    const engine = await migrated();
    const columns = await engine.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'budget_ledger' ORDER BY ordinal_position`,
    );
    expect(columns.rows.map((row) => row.column_name)).toEqual([
      'call_id',
      'run_id',
      'provider',
      'model',
      'tenant',
      'subject',
      'api_key_id',
      'input_tokens',
      'output_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'cost_micros',
      'price_version',
      'counter_ids',
      'kind',
      'at',
    ]);
  });
});

describe("a ledger row's counter ids", () => {
  const end: EndWrite = { kind: 'end', callId: 'c', costMicros: 7, priceVersion: 'p', at: 1_764_340_000_000 };

  it('are read again from an array that may change, and made once for a frozen one, as they read', () => {
    const reserve = reserveOf('c', 'acme', true);
    expect(ledgerRowElementOf(reserve, end)).toContain('tenant:acme|month');
    reserve.counterIds[0] = 'tenant:other|month|UTC|2026-11';
    expect(ledgerRowElementOf(reserve, end)).toContain('tenant:other|month');
    const frozen = { ...reserve, counterIds: Object.freeze([...reserve.counterIds]) as string[] };
    const first = ledgerRowElementOf(frozen, end);
    expect(ledgerRowElementOf(frozen, end)).toBe(first);
    expect(first).toBe(ledgerRowElementOf({ ...reserve, counterIds: [...reserve.counterIds] }, end));
  });

  it('come frozen from the holds of a payer kept for its window, and fresh from holds that may change', () => {
    const holds = [{ counterId: 'tenant:acme|day|UTC|2026-11-30', limitMicros: 1, windowEndsAt: 2 }];
    const kept = holdIdsOf(Object.freeze([...holds]));
    expect(Object.isFrozen(kept.counterIds) && Object.isFrozen(kept.windowEnds)).toBe(true);
    const fresh = holdIdsOf(holds);
    expect(Object.isFrozen(fresh.counterIds) || Object.isFrozen(fresh.windowEnds)).toBe(false);
  });
});
