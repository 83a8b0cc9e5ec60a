import { existsSync, readdirSync, readFileSync, write } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BudgetAdmission } from '../../src/core/budget-gate.js';
import { BUDGET_JOURNAL_FOLDER, readJournalSegments } from '../../src/database/sql/budget-journal.js';
import type { JournalWrite } from '../../src/database/sql/open-budget-journal.js';
import { createPgliteEngine } from '../../src/database/sql/pglite-engine.js';
import { createSoleWriterBudgetCounters } from '../../src/database/sql/sole-writer-budget-counters.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { createPgliteEngineFromTemplate } from '../helpers/pglite-template.js';
import { chargeOf, gateOn } from './budget-counter-contract.js';

const dollar = [{ scope: 'tenant' as const, limitUsd: 1, window: 'day' as const }];
const counterId = 'tenant:acme|day|UTC|2026-11-28T00:00:00.000Z';
const usage = { inputTokens: 0, outputTokens: 200, cacheReadTokens: 0, cacheCreationTokens: 0 };

const folders: string[] = [];
const engines: SqlEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

const openMigrated = async (): Promise<{ dir: string; engine: SqlEngine }> => {
  const dir = await mkdtemp(join(tmpdir(), 'budget-journal-writes-'));
  folders.push(dir);
  const template = await createPgliteEngineFromTemplate(dir, 'migrated');
  await template.close();
  const engine = await createPgliteEngine(dir);
  engines.push(engine);
  return { dir, engine };
};

/**
 * The real `fs.write`, counted, failing with EIO while `failing.now` is set, and kept back while
 * `parked` is set (until `release()`).
 */
const journalWrites = () => {
  const failing = { now: false };
  let parked: Array<() => void> | undefined;
  let count = 0;
  const writeTo: JournalWrite = (descriptor, data, offset, length, done) => {
    count += 1;
    if (failing.now) {
      setImmediate(() => done(Object.assign(new Error('EIO: the disk failed'), { code: 'EIO' }), 0));
      return;
    }
    const run = (): void => write(descriptor, data, offset, length, null, done);
    if (parked === undefined) run();
    else parked.push(run);
  };
  return {
    failing,
    writeTo,
    count: () => count,
    park: () => {
      parked = [];
    },
    /** Resolves once a write is kept back. */
    async parkedWrite(): Promise<void> {
      while (parked?.length === 0) await new Promise((resolve) => setImmediate(resolve));
    },
    release: () => {
      const runs = parked ?? [];
      parked = undefined;
      for (const run of runs) run();
    },
  };
};

/** A sole writer on a migrated database whose journal writes through `journalWrites`, and its gate ($1 a day for tenant acme). */
const openGated = async () => {
  const { dir, engine } = await openMigrated();
  const writes = journalWrites();
  const store = createSoleWriterBudgetCounters(engine, { dir, holdMs: 60_000, journalWrite: writes.writeTo });
  const gate = gateOn(store, dollar, { now: Date.UTC(2026, 10, 28, 12) });
  return { dir, engine, writes, store, gate };
};

/** The text of the journal's segments on disk now, read synchronously. */
const journalText = (dir: string): string => {
  const folder = join(dir, BUDGET_JOURNAL_FOLDER);
  if (!existsSync(folder)) return '';
  return readdirSync(folder)
    .map((name) => readFileSync(join(folder, name), 'utf8'))
    .join('');
};

const callIdOf = (admission: BudgetAdmission): string => {
  if (!admission.admitted) throw new Error(`refused: ${admission.refusal.message}`);
  return admission.reservation.callId;
};

describe('the budget gate on the embedded database, whose journal groups the writes of a turn', () => {
  it('admits a call only once its reservation is in the journal, with one write for the calls of one turn', async () => {
    const { dir, writes, store, gate } = await openGated();
    try {
      // The first call opens the store and reads its counter; the ones after are decided at once.
      const first = callIdOf(await gate.reserve(chargeOf()));
      expect(journalText(dir)).toContain(first);
      const before = writes.count();
      writes.park();
      const charges = Array.from({ length: 10 }, () => chargeOf());
      const decided: string[] = [];
      const admitting = charges.map((charge) =>
        gate.reserve(charge).then((admission) => {
          decided.push(callIdOf(admission));
        }),
      );
      await writes.parkedWrite();
      // The write is under way: no call is admitted yet, and none is on disk.
      expect(decided).toEqual([]);
      for (const charge of charges) expect(journalText(dir)).not.toContain(charge.callId);
      writes.release();
      await Promise.all(admitting);
      expect(decided).toEqual(charges.map((charge) => charge.callId));
      for (const charge of charges) expect(journalText(dir)).toContain(charge.callId);
      expect(writes.count() - before).toBe(1);
    } finally {
      writes.release();
      await store.close();
    }
  });

  it('gives the hold back of a call whose caller stopped waiting while its line was written', async () => {
    const { writes, store, gate } = await openGated();
    try {
      expect((await gate.reserve(chargeOf())).admitted).toBe(true);
      writes.park();
      const stop = new AbortController();
      const admitting = gate.reserve(chargeOf(), stop.signal);
      await writes.parkedWrite();
      stop.abort(new Error('the client left'));
      writes.release();
      await expect(admitting).rejects.toThrow('the client left');
      expect((await store.read([counterId])).get(counterId)).toEqual({
        spentMicros: 0,
        reservedMicros: 50_000,
      });
    } finally {
      writes.release();
      await store.close();
    }
  });

  it('refuses a call as the store being down when its line cannot be written, gives its hold back, and keeps every line', async () => {
    const { dir, engine, writes, store, gate } = await openGated();
    try {
      const first = await gate.reserve(chargeOf());
      expect(first.admitted).toBe(true);
      writes.failing.now = true;
      const refusedCharge = chargeOf();
      expect(await gate.reserve(refusedCharge)).toMatchObject({
        admitted: false,
        refusal: { code: 'budget_store_unavailable', status: 503 },
      });
      expect((await store.read([counterId])).get(counterId)).toEqual({
        spentMicros: 0,
        reservedMicros: 50_000,
      });
      writes.failing.now = false;
      const third = await gate.reserve(chargeOf());
      if (!first.admitted || !third.admitted) throw new Error('both calls are admitted');
      await first.reservation.settle(usage);
      // Written in append order: the refused line again, whole, then its release, then the rest.
      const journaled = (await readJournalSegments(dir)).flatMap((segment) => segment.writes);
      expect(journaled.map((entry) => [entry.kind, entry.callId])).toEqual([
        ['reserve', first.reservation.callId],
        ['reserve', refusedCharge.callId],
        ['end', refusedCharge.callId],
        ['reserve', third.reservation.callId],
      ]);
      expect((await store.read([counterId])).get(counterId)).toEqual({
        spentMicros: 10_000,
        reservedMicros: 50_000,
      });
      expect(await store.reconcile({ repair: false })).toEqual([]);
    } finally {
      await store.close();
    }
    // What the database holds after the close is what memory held: the refused call left nothing.
    const reopened = createSoleWriterBudgetCounters(engine, { dir, holdMs: 5 });
    expect((await reopened.read([counterId])).get(counterId)).toEqual({
      spentMicros: 10_000,
      reservedMicros: 50_000,
    });
    expect(await reopened.reconcile({ repair: false })).toEqual([]);
    await reopened.close();
  });
});
