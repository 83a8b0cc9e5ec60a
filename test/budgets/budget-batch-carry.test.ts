import { describe, expect, it } from 'vitest';
import { readJournalSegments, type BudgetJournal } from '../../src/database/sql/budget-journal.js';
import {
  budgetLineOf,
  type BudgetWrite,
  type EndWrite,
  type ReserveWrite,
} from '../../src/database/sql/budget-lines.js';
import { createBudgetWriteBehind } from '../../src/database/sql/budget-write-behind.js';
import { openBudgetJournal } from '../../src/database/sql/open-budget-journal.js';
import {
  BudgetBatch,
  writeBudgetBatch,
  writeBudgetBatchOf,
} from '../../src/database/sql/sql-budget-batch.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { budgetTables, scratchFolders, sharedBudgetDatabases } from '../helpers/shared-budget-databases.js';

const tenantCounter = 'tenant:acme|total|UTC|total';

const folder = scratchFolders('budget-batch-carry-');

/** The file's two databases (a test compares two at most), emptied before each test. */
const migrated = sharedBudgetDatabases(2, 'budget-batch-carry-');

const reserve = (callId: string): ReserveWrite => ({
  kind: 'reserve',
  callId,
  amountMicros: 50_000,
  counterIds: [tenantCounter],
  windowEnds: [null],
  leaseUntil: 1_764_340_060_000,
  runId: `run-of-${callId}`,
  provider: 'anthropic',
  model: 'claude-sonnet-4-6',
  tenant: 'acme',
  subject: 'user-7',
  apiKeyId: 'key_1',
});

const settle = (callId: string): EndWrite => ({
  kind: 'end',
  callId,
  costMicros: 7_000,
  inputTokens: 12,
  outputTokens: 3,
  cacheReadTokens: 0,
  cacheCreationTokens: 0,
  priceVersion: 'genai-prices@test',
  at: 1_764_340_000_000,
});

const add = (batch: BudgetBatch, write: BudgetWrite): void => {
  if (write.kind === 'reserve') batch.addReserve(write, budgetLineOf(write));
  else batch.addEnd(write, budgetLineOf(write));
};

const counterState = async (engine: SqlEngine) =>
  (await budgetTables(engine)).counters.map((row) => [row['spent_micros'], row['reserved_micros']]);

describe('a reservation still open when its batch goes out', () => {
  it('is carried into the next batch and booked there as a pair with its settle, as the unpaired statement books it', async () => {
    const engine = await migrated();
    const first = new BudgetBatch();
    for (const write of [reserve('call_a'), reserve('call_b'), settle('call_b')]) add(first, write);
    const next = first.carryOpen();
    await writeBudgetBatchOf(engine, first);
    // call_a is in neither table yet, and no counter holds it.
    expect((await budgetTables(engine)).reservations).toEqual([]);
    expect(await counterState(engine)).toEqual([[7_000, 0]]);

    add(next, settle('call_a'));
    await writeBudgetBatchOf(engine, next);
    const unpaired = await migrated();
    await writeBudgetBatch(unpaired, [
      reserve('call_a'),
      reserve('call_b'),
      settle('call_b'),
      settle('call_a'),
    ]);
    const after = await budgetTables(engine);
    expect(after).toEqual(await budgetTables(unpaired));
    expect(after.ledger.map((row) => row['call_id'])).toEqual(['call_a', 'call_b']);
    expect(after.reservations).toEqual([]);
  });

  it('is carried only once: still open at the next batch, it is written as a reservation row', async () => {
    const engine = await migrated();
    const first = new BudgetBatch();
    add(first, reserve('call_a'));
    const second = first.carryOpen();
    expect(first.isEmpty()).toBe(true);
    const third = second.carryOpen();
    expect(third.size).toBe(0);
    await writeBudgetBatchOf(engine, second);
    expect((await budgetTables(engine)).reservations.map((row) => row['call_id'])).toEqual(['call_a']);
    expect(await counterState(engine)).toEqual([[0, 50_000]]);

    add(third, settle('call_a'));
    await writeBudgetBatchOf(engine, third);
    expect((await budgetTables(engine)).reservations).toEqual([]);
    expect(await counterState(engine)).toEqual([[7_000, 0]]);
  });

  it('writes nothing when it is released in the batch it was carried into', async () => {
    const engine = await migrated();
    const first = new BudgetBatch();
    add(first, reserve('call_a'));
    const next = first.carryOpen();
    add(next, { kind: 'end', callId: 'call_a' });
    expect(next.isEmpty()).toBe(true);
    await writeBudgetBatchOf(engine, first);
    await writeBudgetBatchOf(engine, next);
    expect(await budgetTables(engine)).toEqual({ ledger: [], counters: [], reservations: [] });
  });
});

describe('the write-behind carrying a reservation', () => {
  it('keeps the journal segment that holds a carried reservation until the batch it went with is committed', async () => {
    const engine = await migrated();
    const dir = await folder();
    const inner = openBudgetJournal(dir, 1);
    let flushed: () => void = () => {};
    const firstFlush = new Promise<void>((resolve) => (flushed = resolve));
    // Every batch seals its segment (the real journal waits for 1 MB), so that the test sees which are removed.
    const journal: BudgetJournal = {
      append: (line) => inner.append(line),
      hold: (line) => inner.hold(line),
      seal: () => inner.seal(0),
      discard: async (segments) => {
        await inner.discard(segments);
        flushed();
      },
      close: () => inner.close(),
    };
    // No statement reaches the database until the test has looked: the timer's next batches wait.
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const writes = createBudgetWriteBehind({
      db: { query: async (text, params, prepared) => (await gate, engine.query(text, params, prepared)) },
      journal,
      holdMs: 5,
      retryMs: 60_000,
      onError: () => {},
    });
    try {
      await writes.pushReserve(reserve('call_a'));
      await firstFlush;
      // The timer's first batch carried call_a (and so sent nothing): its line stays on disk.
      expect((await budgetTables(engine)).reservations).toEqual([]);
      const left = await readJournalSegments(dir);
      expect(left.flatMap((segment) => segment.writes.map((write) => write.callId))).toEqual(['call_a']);

      writes.pushEnd(settle('call_a'));
      open();
      await writes.flushAll();
      const after = await budgetTables(engine);
      expect(after.ledger.map((row) => [row['call_id'], row['cost_micros']])).toEqual([['call_a', 7_000]]);
      expect(after.reservations).toEqual([]);
      expect(await counterState(engine)).toEqual([[7_000, 0]]);
      expect(await readJournalSegments(dir)).toEqual([]);
    } finally {
      open();
      await writes.close();
    }
  });

  it('sends a carried reservation at once when every write must be committed (flushAll)', async () => {
    const engine = await migrated();
    const dir = await folder();
    const writes = createBudgetWriteBehind({
      db: engine,
      journal: openBudgetJournal(dir, 1),
      holdMs: 60_000,
      retryMs: 60_000,
      onError: () => {},
    });
    try {
      await writes.pushReserve(reserve('call_a'));
      await writes.flushAll();
      expect((await budgetTables(engine)).reservations.map((row) => row['call_id'])).toEqual(['call_a']);
      expect(await counterState(engine)).toEqual([[0, 50_000]]);
    } finally {
      await writes.close();
    }
  });
});
