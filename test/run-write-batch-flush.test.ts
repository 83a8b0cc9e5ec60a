import { describe, expect, it } from 'vitest';
import { createRunWriteBatch, MAX_BATCH_WRITES } from '../src/database/sql/run-write-batch.js';
import type { SqlQueryable } from '../src/database/sql/sql-engine.js';
import { owner, threadlessEnd } from './helpers/run-write-fixtures.js';

describe('run write batch: flushNow', () => {
  /** A queryable whose statements stay under way until `finishNext` is called. */
  const gatedQueryable = () => {
    const pending: Array<() => void> = [];
    const statements: Array<readonly unknown[] | undefined> = [];
    const db: SqlQueryable = {
      query: (_text, params) =>
        new Promise((resolve) => {
          statements.push(params);
          pending.push(() => resolve({ rows: [], rowCount: 0 }));
        }),
    };
    return {
      db,
      sent: () => pending.length,
      statements,
      finishNext: () => pending.shift()?.(),
    };
  };
  const settledYet = async (promise: Promise<unknown>): Promise<boolean> => {
    let settled = false;
    void promise.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    return settled;
  };

  it('sends a held end at once and settles with the writes enqueued before it, not with later ones', async () => {
    const gate = gatedQueryable();
    const batch = createRunWriteBatch(gate.db, { holdEndsMs: 60_000 });
    const first = batch.enqueue(threadlessEnd('run_f1'));
    expect(gate.sent()).toBe(0);
    const flushed = batch.flushNow();
    expect(gate.sent()).toBe(1);
    // Enqueued while the first statement is under way: it goes in the next one.
    const later = batch.enqueue(threadlessEnd('run_f2'));
    const flushedLater = batch.flushNow();
    expect(await settledYet(flushed)).toBe(false);
    gate.finishNext();
    await first;
    expect(await settledYet(flushed)).toBe(true);
    expect(await settledYet(flushedLater)).toBe(false);
    gate.finishNext();
    await later;
    expect(await settledYet(flushedLater)).toBe(true);
    expect(await settledYet(batch.flushNow())).toBe(true);
  });

  it('sends at most MAX_BATCH_WRITES writes in one statement, the rest in the next', async () => {
    const gate = gatedQueryable();
    const batch = createRunWriteBatch(gate.db, { holdEndsMs: 60_000 });
    const ends = Array.from({ length: MAX_BATCH_WRITES + 1 }, (_, index) =>
      batch.enqueue(threadlessEnd(`run_m${index}`)),
    );
    // Full, the batch does not wait for its hold.
    expect(gate.statements).toHaveLength(1);
    // One run per element of the statement's JSON array.
    expect(JSON.parse(String(gate.statements[0]?.[0]))).toHaveLength(MAX_BATCH_WRITES);
    const flushed = batch.flushNow();
    gate.finishNext();
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.statements).toHaveLength(2);
    // Alone, it goes as a plain statement.
    expect(gate.statements[1]?.[0]).toBe(`run_m${MAX_BATCH_WRITES}`);
    gate.finishNext();
    await Promise.all([...ends, flushed]);
  });

  it('paces a busy batch: ends that queue behind a statement wait out the hold since it went out, a start does not', async () => {
    const gate = gatedQueryable();
    const batch = createRunWriteBatch(gate.db, { holdEndsMs: 60_000 });
    const end = (id: string) => batch.enqueue(threadlessEnd(id));
    const first = end('run_p1');
    void batch.flushNow();
    expect(gate.statements).toHaveLength(1);
    const behind = [end('run_p2'), end('run_p3')];
    gate.finishNext();
    await first;
    // The statement is done and nobody waits: the two ends wait for the hold, in one batch.
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.statements).toHaveLength(1);
    // A start does not wait: it goes at once, with the ends queued before it.
    const start = batch.enqueue({
      kind: 'start',
      run: { id: 'run_p4', threadId: null, owner, model: 'm', startedAt: 1 },
    });
    expect(gate.statements).toHaveLength(2);
    expect(gate.statements[1]?.[1]).toBe('{run_p2,run_p3,run_p4}');
    gate.finishNext();
    await Promise.all([...behind, start]);
  });
});
