import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ChurnMap, ChurnSet } from './churn-map.js';

/**
 * A full garbage collection: `--expose-gc` set at run time puts `gc` in contexts made after it,
 * so the test needs no flag on the command line.
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
}

/** One macrotask turn: a `WeakRef`'s target is kept alive until the job that made it ends. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Reproduces what keeps a plain `Map`'s deleted values alive: a table V8 replaced with a rebuilt
 * one while something still points to the old one. Here that is a paused iterator (it moves to
 * the new table only on its next step); in a server it is an old table tenured before it died.
 * Returns a `WeakRef` to a value that was set, then deleted with `remove`.
 */
function deleteUnderAStaleTable(
  put: (key: number, value: object) => void,
  iterate: () => Iterator<unknown>,
  remove: (key: number) => void,
): { tracked: WeakRef<object>; iterator: Iterator<unknown> } {
  put(0, { first: true });
  const value = { tracked: true };
  const tracked = new WeakRef(value);
  put(1, value);
  const iterator = iterate();
  iterator.next();
  // Enough entries to make V8 rebuild the table: the paused iterator keeps the old one.
  for (let key = 2; key < 200; key += 1) put(key, { filler: key });
  remove(1);
  return { tracked, iterator };
}

describe('ChurnMap lets its deleted values go', () => {
  it('a deleted value is collectable while a stale table of the map is still alive', async () => {
    const map = new ChurnMap<number, object>();
    const { tracked, iterator } = deleteUnderAStaleTable(
      (key, value) => map.set(key, value),
      () => map.values(),
      (key) => map.delete(key),
    );
    await nextTurn();
    collectGarbage();
    expect(tracked.deref()).toBeUndefined();
    expect(iterator).toBeDefined();
  });

  it('a value taken out is collectable while a stale table of the map is still alive', async () => {
    const map = new ChurnMap<number, object>();
    const { tracked, iterator } = deleteUnderAStaleTable(
      (key, value) => map.set(key, value),
      () => map.values(),
      (key) => {
        map.take(key);
      },
    );
    await nextTurn();
    collectGarbage();
    expect(tracked.deref()).toBeUndefined();
    expect(iterator).toBeDefined();
  });

  it('a cleared value is collectable while a stale table of the map is still alive', async () => {
    const map = new ChurnMap<number, object>();
    const { tracked, iterator } = deleteUnderAStaleTable(
      (key, value) => map.set(key, value),
      () => map.values(),
      () => map.clear(),
    );
    await nextTurn();
    collectGarbage();
    expect(tracked.deref()).toBeUndefined();
    expect(iterator).toBeDefined();
  });

  it('a deleted member of a ChurnSet is collectable while a stale table is still alive', async () => {
    const set = new ChurnSet<object>();
    const tickets = new Map<number, number>();
    const { tracked, iterator } = deleteUnderAStaleTable(
      (key, member) => tickets.set(key, set.add(member)),
      () => set.values(),
      (key) => set.delete(tickets.get(key) ?? -1),
    );
    await nextTurn();
    collectGarbage();
    expect(tracked.deref()).toBeUndefined();
    expect(iterator).toBeDefined();
  });

  it('the same scenario keeps a plain Map value alive (the test can see a value held)', async () => {
    const map = new Map<number, object>();
    const { tracked, iterator } = deleteUnderAStaleTable(
      (key, value) => map.set(key, value),
      () => map.values(),
      (key) => map.delete(key),
    );
    await nextTurn();
    collectGarbage();
    expect(tracked.deref()).toBeDefined();
    expect(iterator).toBeDefined();
  });
});
