import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BudgetWrite } from './sql-budget-batch.js';

/** The folder of the journal's segments inside the embedded data folder. */
export const BUDGET_JOURNAL_FOLDER = 'budget-journal';

/** A segment's file name: its sequence number, zero-padded so names sort in order. */
const segmentName = (sequence: number): string => `${String(sequence).padStart(12, '0')}.jsonl`;

/**
 * The budget writes a sole writer has decided but not yet committed to its database, on disk
 * before the decision is acted on: each write is one line appended to the open segment with a
 * synchronous `write` (it is in the kernel before the call that was reserved goes to the model,
 * so a killed process loses none of it; like the embedded database's own commits, which run
 * with `synchronous_commit` off, it is not forced to the disk). A segment is sealed once large
 * (`seal`) and removed once every write in it is committed; segments left by a process that
 * died are replayed, oldest first, before the next one decides anything.
 */
export interface BudgetJournal {
  /**
   * Appends `line` (one write, `JSON.stringify`'d: the write-behind sends the same text to the
   * database) to the open segment (opened on first use): at once, with the lines held
   * before it, unless `held`; then it waits for the next write or `seal`, so that a settle costs
   * no system call of its own (a reservation, which must be on disk before its call reaches the
   * model, carries it).
   */
  append(line: string, held?: boolean): void;
  /**
   * Writes the lines held, then closes the open segment and returns its path when it holds at
   * least `minBytes` (0: whenever it holds anything); else keeps appending to it. Creating and removing a file costs far more
   * than a line, so a segment is sealed only once it is large; what of it is committed already
   * is written again at a replay, which changes nothing (`writeBudgetBatch` is idempotent).
   */
  seal(minBytes: number): string | undefined;
  /** Removes sealed segments whose writes are committed. */
  discard(segments: readonly string[]): Promise<void>;
  /** Closes the open segment, keeping it (its writes are replayed at the next start). Idempotent. */
  close(): void;
}

/** A segment left on disk, with the writes it holds. */
export interface JournalSegment {
  path: string;
  writes: BudgetWrite[];
}

/**
 * The segments left in `dir` (by a process that stopped before it committed them), oldest first.
 * A line cut short (a write the system did not finish) is skipped: its call never went ahead.
 */
export async function readJournalSegments(dir: string): Promise<JournalSegment[]> {
  const folder = join(dir, BUDGET_JOURNAL_FOLDER);
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const segments: JournalSegment[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.jsonl')).sort()) {
    const path = join(folder, name);
    const writes: BudgetWrite[] = [];
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      if (line === '') continue;
      try {
        writes.push(JSON.parse(line) as BudgetWrite);
      } catch {
        // A torn last line: the write never completed, so nothing acted on it.
      }
    }
    segments.push({ path, writes });
  }
  return segments;
}

/**
 * The journal in `dir` (the embedded data folder). Segment numbers go on from `nextSequence`
 * (one past the highest left on disk, which the caller replays and discards first).
 */
export function openBudgetJournal(dir: string, nextSequence: number): BudgetJournal {
  const folder = join(dir, BUDGET_JOURNAL_FOLDER);
  let sequence = nextSequence;
  let descriptor: number | undefined;
  let openPath: string | undefined;
  let openBytes = 0;
  let heldLines = '';
  let closed = false;
  let folderMade = false;
  return {
    append(line, held) {
      if (closed) throw new Error('the budget journal is closed');
      if (descriptor === undefined) {
        if (!folderMade) mkdirSync(folder, { recursive: true, mode: 0o700 });
        folderMade = true;
        openPath = join(folder, segmentName(sequence));
        sequence += 1;
        descriptor = openSync(openPath, 'a', 0o600);
      }
      heldLines += `${line}\n`;
      if (held === true) return;
      openBytes += writeSync(descriptor, heldLines);
      heldLines = '';
    },
    seal(minBytes) {
      if (descriptor !== undefined && heldLines !== '') openBytes += writeSync(descriptor, heldLines);
      heldLines = '';
      if (descriptor === undefined || openBytes < Math.max(1, minBytes)) return undefined;
      closeSync(descriptor);
      openBytes = 0;
      descriptor = undefined;
      const path = openPath;
      openPath = undefined;
      return path;
    },
    async discard(segments) {
      await Promise.all(segments.map((path) => rm(path, { force: true })));
    },
    close() {
      if (closed) return;
      closed = true;
      if (descriptor !== undefined && heldLines !== '') writeSync(descriptor, heldLines);
      heldLines = '';
      if (descriptor !== undefined) closeSync(descriptor);
      descriptor = undefined;
    },
  };
}

/** The sequence number after the segments at `paths` (1 when there are none). */
export function sequenceAfter(paths: readonly string[]): number {
  let highest = 0;
  for (const path of paths) {
    const number = Number.parseInt(path.slice(path.lastIndexOf('/') + 1), 10);
    if (Number.isSafeInteger(number) && number > highest) highest = number;
  }
  return highest + 1;
}
