import { write } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUDGET_JOURNAL_FOLDER, readJournalSegments } from '../../src/database/sql/budget-journal.js';
import { openBudgetJournal, type JournalWrite } from '../../src/database/sql/open-budget-journal.js';

const folders: string[] = [];
afterEach(async () => {
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

const freshFolder = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'budget-journal-'));
  folders.push(dir);
  return dir;
};

/**
 * The real `fs.write`, counted; `plan` may change what one call does (by its index): write only
 * its first bytes, or fail.
 */
/** After the rest of this turn of the event loop. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** After the next turn too, when the journal starts the write it was asked for this turn. */
const writeStarted = async (): Promise<void> => {
  await nextTurn();
  await nextTurn();
};

const countingWrite = (plan: (index: number) => 'write' | { only: number } | 'fail' = () => 'write') => {
  const writes: number[] = [];
  const writeTo: JournalWrite = (descriptor, data, offset, length, done) => {
    const step = plan(writes.length);
    writes.push(length);
    if (step === 'fail') {
      queueMicrotask(() => {
        done(Object.assign(new Error('EIO: the disk failed'), { code: 'EIO' }), 0);
      });
      return;
    }
    write(descriptor, data, offset, step === 'write' ? length : Math.min(step.only, length), null, done);
  };
  return { writes, writeTo };
};

const line = (callId: string): string => JSON.stringify({ kind: 'reserve', callId });
const segmentText = async (dir: string): Promise<string> => {
  const [name] = await readdir(join(dir, BUDGET_JOURNAL_FOLDER));
  if (name === undefined) throw new Error('no segment');
  return readFile(join(dir, BUDGET_JOURNAL_FOLDER, name), 'utf8');
};
const callIdsOf = async (dir: string): Promise<string[]> =>
  (await readJournalSegments(dir)).flatMap((segment) =>
    segment.writes.map((entry) => (entry as { callId: string }).callId),
  );

describe('the budget journal', () => {
  it("has a reservation's line in the segment file when its append resolves, and writes the appends of two turns in one write", async () => {
    const dir = await freshFolder();
    const { writes, writeTo } = countingWrite();
    const journal = openBudgetJournal(dir, 1, { write: writeTo });
    journal.hold(line('settled_before'));
    const appended = Array.from({ length: 20 }, (_unused, index) => journal.append(line(`call_${index}`)));
    // Nothing is written on the caller's turn, nor at its end: the write waits for the next turn's lines.
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual([]);
    appended.push(journal.append(line('next_turn')));
    await appended[0];
    expect(writes).toHaveLength(1);
    expect(await callIdsOf(dir)).toEqual([
      'settled_before',
      ...Array.from({ length: 20 }, (_unused, index) => `call_${index}`),
      'next_turn',
    ]);
    await Promise.all(appended);
    expect(writes).toHaveLength(1);
    await journal.close();
  });

  it('writes at the end of the turn that asked when told to wait one turn, and refuses a wait of no turn', async () => {
    const dir = await freshFolder();
    const { writes, writeTo } = countingWrite();
    const journal = openBudgetJournal(dir, 1, { write: writeTo, turns: 1 });
    const first = journal.append(line('first'));
    await nextTurn();
    expect(writes).toHaveLength(1);
    const second = journal.append(line('second'));
    await Promise.all([first, second]);
    expect(writes).toHaveLength(2);
    expect(await callIdsOf(dir)).toEqual(['first', 'second']);
    await journal.close();
    for (const turns of [0, 1.5, Number.NaN]) {
      expect(() => openBudgetJournal(dir, 2, { turns })).toThrow("the budget journal's turns");
    }
  });

  it('waits three turns when told to', async () => {
    const dir = await freshFolder();
    const { writes, writeTo } = countingWrite();
    const journal = openBudgetJournal(dir, 1, { write: writeTo, turns: 3 });
    const appended = [journal.append(line('first'))];
    await writeStarted();
    expect(writes).toEqual([]);
    appended.push(journal.append(line('third_turn')));
    await Promise.all(appended);
    expect(writes).toHaveLength(1);
    expect(await callIdsOf(dir)).toEqual(['first', 'third_turn']);
    await journal.close();
  });

  it('carries in one write every line appended while the one before was under way, in append order', async () => {
    const dir = await freshFolder();
    const { writes, writeTo } = countingWrite();
    const journal = openBudgetJournal(dir, 1, { write: writeTo });
    const first = journal.append(line('first'));
    await writeStarted();
    // The first write is under way now: these wait for it, then go out together.
    const later = ['second', 'third', 'fourth'].map((callId) => journal.append(line(callId)));
    journal.hold(line('held_last'));
    await first;
    await Promise.all(later);
    expect(writes).toHaveLength(2);
    expect(await callIdsOf(dir)).toEqual(['first', 'second', 'third', 'fourth', 'held_last']);
    await journal.close();
  });

  it('writes held lines only with the next append or seal, and seals a segment once it is large enough', async () => {
    const dir = await freshFolder();
    const { writes, writeTo } = countingWrite();
    const journal = openBudgetJournal(dir, 7, { write: writeTo });
    journal.hold(line('held'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([]);
    expect(await journal.seal(1024 * 1024)).toBeUndefined();
    expect(writes).toHaveLength(1);
    expect(await callIdsOf(dir)).toEqual(['held']);
    const sealing = journal.seal(0);
    // A line appended after the seal goes to the next segment.
    const next = journal.append(line('next'));
    expect(await sealing).toBe(join(dir, BUDGET_JOURNAL_FOLDER, '000000000007.jsonl'));
    await next;
    expect((await readJournalSegments(dir)).map((segment) => segment.writes.length)).toEqual([1, 1]);
    await journal.close();
    await journal.close();
    expect(() => journal.append(line('late'))).toThrow('the budget journal is closed');
  });

  it('rejects the appends of a write that failed, and writes their lines whole, after a line it cut short, with the next write', async () => {
    const dir = await freshFolder();
    // The second write takes 10 bytes and the one after fails: a line is cut short on disk.
    const { writes, writeTo } = countingWrite((index) =>
      index === 1 ? { only: 10 } : index === 2 ? 'fail' : 'write',
    );
    const journal = openBudgetJournal(dir, 1, { write: writeTo });
    await journal.append(line('written'));
    const failing = journal.append(line('refused'));
    await expect(failing).rejects.toThrow('EIO');
    expect(await segmentText(dir)).toBe(`${line('written')}\n${line('refused').slice(0, 10)}`);
    journal.hold(JSON.stringify({ kind: 'end', callId: 'refused' }));
    await journal.append(line('after'));
    expect(writes).toHaveLength(4);
    // The cut line is skipped at replay; nothing else is lost or out of order.
    expect(await callIdsOf(dir)).toEqual(['written', 'refused', 'refused', 'after']);
    await journal.close();
  });

  it('fails a seal whose write failed and keeps the segment open with every line for the next write', async () => {
    const dir = await freshFolder();
    const { writeTo } = countingWrite((index) => (index === 1 ? 'fail' : 'write'));
    const journal = openBudgetJournal(dir, 1, { write: writeTo });
    await journal.append(line('written'));
    journal.hold(line('held'));
    await expect(journal.seal(0)).rejects.toThrow('EIO');
    expect(await journal.seal(0)).toBe(join(dir, BUDGET_JOURNAL_FOLDER, '000000000001.jsonl'));
    expect(await callIdsOf(dir)).toEqual(['written', 'held']);
    await journal.close();
  });

  it('waits at close for the write under way and writes what is buffered', async () => {
    const dir = await freshFolder();
    const { writes, writeTo } = countingWrite();
    const journal = openBudgetJournal(dir, 1, { write: writeTo });
    const appended = journal.append(line('in_flight'));
    await writeStarted();
    journal.hold(line('held'));
    await journal.close();
    await appended;
    expect(writes).toHaveLength(2);
    expect(await callIdsOf(dir)).toEqual(['in_flight', 'held']);
  });
});
