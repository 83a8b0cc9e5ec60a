import { describe, expect, it } from 'vitest';
import { createBudgetWriteBehind } from '../../src/database/sql/budget-write-behind.js';
import type { BudgetWrite, EndWrite } from '../../src/database/sql/budget-lines.js';
import { openBudgetJournal } from '../../src/database/sql/open-budget-journal.js';
import { writeBudgetBatch, writeBudgetBatchOf } from '../../src/database/sql/sql-budget-batch.js';
import type { SqlQueryable } from '../../src/database/sql/sql-engine.js';
import {
  batchOf,
  budgetTables,
  scratchFolders,
  sharedBudgetDatabases,
} from '../helpers/shared-budget-databases.js';

const tenantCounter = 'tenant:acme|total|UTC|total';
const keyCounter = 'apiKey:key_1|day|UTC|2026-11-28';
const dayEnd = 1_764_374_400_000;

const folder = scratchFolders('budget-batch-pairs-');

/** The file's two databases (a test compares two at most), emptied before each test. */
const migrated = sharedBudgetDatabases(2, 'budget-batch-pairs-');

const reserve = (callId: string): BudgetWrite => ({
  kind: 'reserve',
  callId,
  amountMicros: 50_000,
  counterIds: [tenantCounter, keyCounter],
  windowEnds: [null, dayEnd],
  leaseUntil: 1_764_340_060_000,
  runId: `run-of-${callId}`,
  provider: 'anthropic',
  model: 'claude-sonnet-4-6',
  tenant: 'acme',
  subject: 'user-7',
  apiKeyId: 'key_1',
});

const settle = (callId: string, costMicros = 7_000, swept?: true): EndWrite => ({
  kind: 'end',
  callId,
  costMicros,
  inputTokens: 12,
  outputTokens: 3,
  cacheReadTokens: 4,
  cacheCreationTokens: 5,
  priceVersion: 'genai-prices@test',
  at: 1_764_340_000_123.4,
  swept,
});

const release = (callId: string): EndWrite => ({ kind: 'end', callId });

describe('a budget batch whose calls were reserved and ended within it', () => {
  it('books each settled pair as one ledger row and leaves the tables as the unpaired statement does', async () => {
    const writes: BudgetWrite[] = [
      reserve('call_a'),
      reserve('call_b'),
      reserve('call_c'),
      reserve('call_d'),
      settle('call_a'),
      release('call_b'),
      settle('call_c', 50_000, true),
    ];
    const paired = await migrated();
    const unpaired = await migrated();
    await writeBudgetBatchOf(paired, batchOf(writes));
    await writeBudgetBatch(unpaired, writes);

    const after = await budgetTables(paired);
    expect(after).toEqual(await budgetTables(unpaired));
    expect(after.ledger.map((row) => [row['call_id'], row['run_id'], row['kind'], row['subject']])).toEqual([
      ['call_a', 'run-of-call_a', 'settled', 'user-7'],
      ['call_c', 'run-of-call_c', 'lease_expired', 'user-7'],
    ]);
    // Only call_d is still held, and each counter's row has its window's end.
    expect(after.reservations.map((row) => row['call_id'])).toEqual(['call_d']);
    expect(after.counters).toEqual([
      { counter_id: keyCounter, spent_micros: 57_000, reserved_micros: 50_000, window_ends_at: dayEnd },
      { counter_id: tenantCounter, spent_micros: 57_000, reserved_micros: 50_000, window_ends_at: null },
    ]);
  });

  it('writes nothing for a reservation released in its own batch', async () => {
    const engine = await migrated();
    await writeBudgetBatchOf(engine, batchOf([reserve('call_a'), release('call_a')]));
    expect(await budgetTables(engine)).toEqual({ ledger: [], counters: [], reservations: [] });
  });

  it('ends a reservation an earlier batch wrote through its row, not as a pair', async () => {
    const engine = await migrated();
    await writeBudgetBatchOf(engine, batchOf([reserve('call_a')]));
    await writeBudgetBatchOf(engine, batchOf([settle('call_a')]));
    const after = await budgetTables(engine);
    expect(after.reservations).toEqual([]);
    expect(after.ledger.map((row) => [row['call_id'], row['run_id'], row['cost_micros']])).toEqual([
      ['call_a', 'run-of-call_a', 7_000],
    ]);
    expect(after.counters.map((row) => [row['spent_micros'], row['reserved_micros']])).toEqual([
      [7_000, 0],
      [7_000, 0],
    ]);
  });

  it('changes nothing when the same batch is written again: its pair conflicts, and it goes again unpaired', async () => {
    const engine = await migrated();
    const batch = batchOf([reserve('call_a'), reserve('call_b'), settle('call_a')]);
    await writeBudgetBatchOf(engine, batch);
    const once = await budgetTables(engine);
    const sent: Array<{ pairs: unknown; failed: boolean }> = [];
    const counting: SqlQueryable = {
      query: async <Row>(text: string, params?: readonly unknown[], prepared?: string) => {
        try {
          const result = await engine.query<Row>(text, params, prepared);
          sent.push({ pairs: params?.[1], failed: false });
          return result;
        } catch (error) {
          sent.push({ pairs: params?.[1], failed: true });
          throw error;
        }
      },
    };
    await writeBudgetBatchOf(counting, batch);
    expect(await budgetTables(engine)).toEqual(once);
    expect(sent.map((statement) => [statement.failed, statement.pairs === '{}'])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('sends a batch of pairs alone through the pairs statement, leaving the tables as the unpaired one does', async () => {
    const writes: BudgetWrite[] = [
      reserve('call_a'),
      reserve('call_b'),
      settle('call_b', 9_000),
      settle('call_a', 50_000, true),
    ];
    const paired = await migrated();
    const unpaired = await migrated();
    const names: Array<string | undefined> = [];
    const naming: SqlQueryable = {
      query: <Row>(text: string, params?: readonly unknown[], prepared?: string) => {
        names.push(prepared);
        return paired.query<Row>(text, params, prepared);
      },
    };
    await writeBudgetBatchOf(naming, batchOf(writes));
    await writeBudgetBatch(unpaired, writes);
    expect(names).toEqual(['budget_write_pairs']);
    const after = await budgetTables(paired);
    expect(after).toEqual(await budgetTables(unpaired));
    expect(after.ledger.map((row) => [row['call_id'], row['kind'], row['cost_micros']])).toEqual([
      ['call_a', 'lease_expired', 50_000],
      ['call_b', 'settled', 9_000],
    ]);
    // The counters are new: each row is made with its window's end.
    expect(after.counters).toEqual([
      { counter_id: keyCounter, spent_micros: 59_000, reserved_micros: 0, window_ends_at: dayEnd },
      { counter_id: tenantCounter, spent_micros: 59_000, reserved_micros: 0, window_ends_at: null },
    ]);
    // A second batch of pairs adds to the counters' rows.
    await writeBudgetBatchOf(paired, batchOf([reserve('call_c'), settle('call_c', 1_000)]));
    expect((await budgetTables(paired)).counters.map((row) => row['spent_micros'])).toEqual([60_000, 60_000]);
  });

  it('changes nothing when a batch of pairs alone is written again: it goes again unpaired', async () => {
    const engine = await migrated();
    const batch = batchOf([reserve('call_a'), settle('call_a')]);
    await writeBudgetBatchOf(engine, batch);
    const once = await budgetTables(engine);
    const sent: Array<[string | undefined, boolean]> = [];
    const counting: SqlQueryable = {
      query: async <Row>(text: string, params?: readonly unknown[], prepared?: string) => {
        try {
          const result = await engine.query<Row>(text, params, prepared);
          sent.push([prepared, false]);
          return result;
        } catch (error) {
          sent.push([prepared, true]);
          throw error;
        }
      },
    };
    await writeBudgetBatchOf(counting, batch);
    expect(await budgetTables(engine)).toEqual(once);
    expect(sent).toEqual([
      ['budget_write_pairs', true],
      ['budget_write_batch', false],
    ]);
  });

  it('lets any other failure of the statement through, without a second statement', async () => {
    let statements = 0;
    const down = {
      query: () => {
        statements += 1;
        return Promise.reject(Object.assign(new Error('connection lost'), { code: '08006' }));
      },
    };
    const batch = batchOf([reserve('call_a'), settle('call_a')]);
    await expect(writeBudgetBatchOf(down, batch)).rejects.toThrow('connection lost');
    expect(statements).toBe(1);
  });
});

describe('the write-behind after a batch failed', () => {
  it('sends the failed batch again before the writes that came meanwhile, so an end finds its reservation', async () => {
    const engine = await migrated();
    const dir = await folder();
    let failNext = true;
    const errors: unknown[] = [];
    const writes = createBudgetWriteBehind({
      db: {
        query: (text, params, prepared) => {
          if (!failNext) return engine.query(text, params, prepared);
          failNext = false;
          return Promise.reject(new Error('connection lost'));
        },
      },
      journal: openBudgetJournal(dir, 1),
      holdMs: 60_000,
      retryMs: 60_000,
      onError: (error) => errors.push(error),
    });
    try {
      await writes.pushReserve(reserve('call_a') as Extract<BudgetWrite, { kind: 'reserve' }>);
      await expect(writes.flushAll()).rejects.toThrow('connection lost');
      // call_a's settle goes to a new batch: paired with nothing, it ends the row the retried batch writes.
      writes.pushEnd(settle('call_a'));
      await writes.flushAll();
    } finally {
      await writes.close();
    }
    const after = await budgetTables(engine);
    expect(after.reservations).toEqual([]);
    expect(after.ledger.map((row) => [row['call_id'], row['kind']])).toEqual([['call_a', 'settled']]);
    expect(after.counters.map((row) => [row['spent_micros'], row['reserved_micros']])).toEqual([
      [7_000, 0],
      [7_000, 0],
    ]);
    expect(errors).toEqual([]);
  });
});
