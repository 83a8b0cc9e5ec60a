import { describe, expect, it } from 'vitest';
import type { BudgetWrite } from '../../src/database/sql/budget-lines.js';
import { writeBudgetBatch } from '../../src/database/sql/sql-budget-batch.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { sharedBudgetDatabases } from '../helpers/shared-budget-databases.js';

const counterId = 'tenant:acme|total|UTC|total';
const keyCounter = 'apiKey:key_1|day|UTC|2026-11-28';
const cost = {
  costMicros: 7_000,
  inputTokens: 12,
  outputTokens: 3,
  cacheReadTokens: 4,
  cacheCreationTokens: 5,
  priceVersion: 'genai-prices@test',
  at: 1_764_340_000_000,
};

/** One database for the file, emptied before each test. */
const migrated = sharedBudgetDatabases(1, 'budget-batch-context-');

const reserve = (callId: string, runId: string): BudgetWrite => ({
  kind: 'reserve',
  callId,
  amountMicros: 50_000,
  counterIds: [counterId, keyCounter],
  windowEnds: [null, 1_764_374_400_000],
  leaseUntil: 1_764_340_060_000,
  runId,
  provider: 'anthropic',
  model: 'claude-sonnet-4-6',
  tenant: 'acme',
  apiKeyId: 'key_1',
});

interface Booked {
  call_id: string;
  run_id: string;
  model: string;
  tenant: string | null;
  api_key_id: string | null;
  counter_ids: string[];
  cost_micros: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  kind: string;
}

const ledger = async (engine: SqlEngine): Promise<Booked[]> =>
  (
    await engine.query<Booked>(
      `SELECT call_id, run_id, model, tenant, api_key_id, counter_ids, cost_micros::int, cache_read_tokens::int,
         cache_write_tokens::int, kind FROM budget_ledger ORDER BY call_id`,
    )
  ).rows;

const counters = async (
  engine: SqlEngine,
): Promise<Array<{ counter_id: string; spent: number; reserved: number }>> =>
  (
    await engine.query<{ counter_id: string; spent: number; reserved: number }>(
      `SELECT counter_id, spent_micros::int AS spent, reserved_micros::int AS reserved FROM budget_counters
       ORDER BY counter_id`,
    )
  ).rows;

const reservationsLeft = async (engine: SqlEngine): Promise<number> =>
  (await engine.query<{ count: number }>('SELECT count(*)::int AS count FROM budget_reservations')).rows[0]
    ?.count ?? -1;

const bookedFor = (callId: string, runId: string, kind = 'settled', costMicros = 7_000): Booked => ({
  call_id: callId,
  run_id: runId,
  model: 'claude-sonnet-4-6',
  tenant: 'acme',
  api_key_id: 'key_1',
  counter_ids: [counterId, keyCounter],
  cost_micros: costMicros,
  cache_read_tokens: 4,
  cache_write_tokens: 5,
  kind,
});

describe('a budget batch books an end that carries only its cost', () => {
  it('takes the ledger row context from the reservation written in the same batch', async () => {
    const engine = await migrated();
    await writeBudgetBatch(engine, [reserve('call_a', 'run_a'), { kind: 'end', callId: 'call_a', ...cost }]);
    expect(await ledger(engine)).toEqual([bookedFor('call_a', 'run_a')]);
    expect(await reservationsLeft(engine)).toBe(0);
    expect(await counters(engine)).toEqual([
      { counter_id: keyCounter, spent: 7_000, reserved: 0 },
      { counter_id: counterId, spent: 7_000, reserved: 0 },
    ]);
  });

  it('takes the context from the reservation row an earlier batch wrote, and deletes that row', async () => {
    const engine = await migrated();
    await writeBudgetBatch(engine, [reserve('call_a', 'run_a'), reserve('call_b', 'run_b')]);
    await writeBudgetBatch(engine, [
      { kind: 'end', callId: 'call_a', ...cost },
      { kind: 'end', callId: 'call_b', ...cost, costMicros: 50_000, swept: true },
    ]);
    expect(await ledger(engine)).toEqual([
      bookedFor('call_a', 'run_a'),
      bookedFor('call_b', 'run_b', 'lease_expired', 50_000),
    ]);
    expect(await reservationsLeft(engine)).toBe(0);
    expect(await counters(engine)).toEqual([
      { counter_id: keyCounter, spent: 57_000, reserved: 0 },
      { counter_id: counterId, spent: 57_000, reserved: 0 },
    ]);
  });

  it('books nothing for a release, and nothing for an end whose reservation was ended before', async () => {
    const engine = await migrated();
    await writeBudgetBatch(engine, [reserve('call_a', 'run_a'), reserve('call_b', 'run_b')]);
    await writeBudgetBatch(engine, [
      { kind: 'end', callId: 'call_a' },
      { kind: 'end', callId: 'call_b', ...cost },
    ]);
    // The second batch again, as a replayed journal would hold it: its reservations are gone.
    await writeBudgetBatch(engine, [
      { kind: 'end', callId: 'call_a' },
      { kind: 'end', callId: 'call_b', ...cost },
    ]);
    expect(await ledger(engine)).toEqual([bookedFor('call_b', 'run_b')]);
    expect(await counters(engine)).toEqual([
      { counter_id: keyCounter, spent: 7_000, reserved: 0 },
      { counter_id: counterId, spent: 7_000, reserved: 0 },
    ]);
  });

  it('deletes a committed reservation when a replayed segment holds it and its end together', async () => {
    const engine = await migrated();
    // The first batch committed the reservation; the process died before the batch with its end,
    // and the replay applies the open segment, which holds both lines.
    await writeBudgetBatch(engine, [reserve('call_a', 'run_a')]);
    await writeBudgetBatch(engine, [reserve('call_a', 'run_a'), { kind: 'end', callId: 'call_a', ...cost }]);
    expect(await reservationsLeft(engine)).toBe(0);
    expect(await ledger(engine)).toEqual([bookedFor('call_a', 'run_a')]);
    expect(await counters(engine)).toEqual([
      { counter_id: keyCounter, spent: 7_000, reserved: 0 },
      { counter_id: counterId, spent: 7_000, reserved: 0 },
    ]);
  });
});
