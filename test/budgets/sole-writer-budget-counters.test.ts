import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerRow } from '../../src/core/budget-counter-store.js';
import { createPgliteEngine } from '../../src/database/sql/pglite-engine.js';
import { createSoleWriterBudgetCounters } from '../../src/database/sql/sole-writer-budget-counters.js';
import type { BudgetWrite } from '../../src/database/sql/budget-lines.js';
import { writeBudgetBatch } from '../../src/database/sql/sql-budget-batch.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { BUDGET_JOURNAL_FOLDER } from '../../src/database/sql/budget-journal.js';
import { createPgliteEngineFromTemplate } from '../helpers/pglite-template.js';

const fixture = fileURLToPath(new URL('../fixtures/budget-journal-then-die.ts', import.meta.url));
const counterId = 'tenant:acme|total|UTC|total';
const zero = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
const entry = { runId: 'run_1', provider: 'test', model: 'metered', payer: { tenant: 'acme' } };

const folders: string[] = [];
const engines: SqlEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

const migratedFolder = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'budget-sole-writer-'));
  folders.push(dir);
  const engine = await createPgliteEngineFromTemplate(dir, 'migrated');
  await engine.close();
  return dir;
};

const open = async (dir: string): Promise<SqlEngine> => {
  const engine = await createPgliteEngine(dir);
  engines.push(engine);
  return engine;
};

/** Wraps `engine` so that it counts its statements by prepared name (unnamed ones as `other`). */
const counting = (engine: SqlEngine): { engine: SqlEngine; statements: Map<string, number> } => {
  const statements = new Map<string, number>();
  const wrapped: SqlEngine = Object.create(engine) as SqlEngine;
  wrapped.query = (text, params, prepared) => {
    statements.set(prepared ?? 'other', (statements.get(prepared ?? 'other') ?? 0) + 1);
    return engine.query(text, params, prepared);
  };
  return { engine: wrapped, statements };
};

const ledgerOf = async (rows: AsyncIterable<LedgerRow>): Promise<LedgerRow[]> => {
  const all: LedgerRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
};

describe('budget counters of the embedded database as its sole writer', () => {
  it('finds after a restart every reservation a SIGKILLed process made, and the settles journaled with a later write', async () => {
    const dir = await migratedFolder();
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('journaled')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the fixture exited early (${String(code)})`)));
    });
    child.kill('SIGKILL');
    await exited;
    expect(await readdir(join(dir, BUDGET_JOURNAL_FOLDER))).not.toEqual([]);

    const store = createSoleWriterBudgetCounters(await open(dir), { dir, holdMs: 5 });
    expect(await store.read([counterId])).toEqual(
      new Map([[counterId, { spentMicros: 12_000, reservedMicros: 100_000 }]]),
    );
    // The last settle waited for a write that never came: its call is charged its worst case.
    expect(await store.sweepExpired(Date.now() + 2_000, 10)).toBe(2);
    const rows = await ledgerOf(store.ledger({ tenant: 'acme' }));
    expect(rows.map((row) => [row.callId, row.kind, row.costMicros]).sort()).toEqual([
      ['call_in_flight', 'lease_expired', 50_000],
      ['call_settled', 'settled', 12_000],
      ['call_settled_last', 'lease_expired', 50_000],
    ]);
    expect(await store.reconcile({ repair: false })).toEqual([]);
    await store.close();
    expect(await readdir(join(dir, BUDGET_JOURNAL_FOLDER))).toEqual([]);
  });

  it('commits twenty calls reserved and settled in one statement, with no reservation row written', async () => {
    const dir = await migratedFolder();
    const { engine, statements } = counting(await open(dir));
    const store = createSoleWriterBudgetCounters(engine, { dir, holdMs: 60_000 });
    for (let index = 0; index < 20; index += 1) {
      const callId = `call_${index}`;
      const outcome = await store.reserve({
        callId,
        amountMicros: 50_000,
        holds: [{ counterId, limitMicros: 1_000_000, windowEndsAt: undefined }],
        leaseUntil: Date.now() + 60_000,
        entry,
      });
      expect(outcome.reserved).toBe(true);
      await store.settle(callId, {
        costMicros: 1_000,
        usage: zero,
        priceVersion: 'override',
        at: Date.now(),
      });
    }
    expect(await ledgerOf(store.ledger({}))).toHaveLength(20);
    // Nothing but pairs: the statement without the unpaired lines' grouping.
    expect(statements.get('budget_write_pairs')).toBe(1);
    expect(statements.get('budget_write_batch')).toBeUndefined();
    const left = await engine.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM budget_reservations',
    );
    expect(left.rows[0]?.count).toBe(0);
    expect(await store.reconcile({ repair: false })).toEqual([]);
    await store.close();
  });

  it('changes nothing when a committed batch is written again (a journal replayed after a crash)', async () => {
    const dir = await migratedFolder();
    const engine = await open(dir);
    const reserve = (callId: string): BudgetWrite => ({
      kind: 'reserve',
      callId,
      amountMicros: 50_000,
      counterIds: [counterId],
      windowEnds: [null],
      leaseUntil: Date.now() + 60_000,
      runId: entry.runId,
      provider: entry.provider,
      model: entry.model,
      tenant: entry.payer.tenant,
    });
    const cost = { costMicros: 7_000, ...zero, priceVersion: 'override', at: Date.now() };
    const first: BudgetWrite[] = [
      reserve('call_a'),
      reserve('call_b'),
      { kind: 'end', callId: 'call_a', ...cost },
    ];
    const second: BudgetWrite[] = [{ kind: 'end', callId: 'call_b', ...cost }, reserve('call_c')];
    for (const batch of [first, first, second, first, second]) await writeBudgetBatch(engine, batch);
    const counter = await engine.query<{ spent_micros: number; reserved_micros: number }>(
      'SELECT spent_micros, reserved_micros FROM budget_counters WHERE counter_id = $1',
      [counterId],
    );
    expect(counter.rows).toEqual([{ spent_micros: 14_000, reserved_micros: 50_000 }]);
  });
});
