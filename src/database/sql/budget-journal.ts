import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { budgetWriteOfLine, type BudgetWrite } from './budget-lines.js';

/** The folder of the journal's segments inside the embedded data folder. */
export const BUDGET_JOURNAL_FOLDER = 'budget-journal';

/** A segment's file name: its sequence number, zero-padded so names sort in order. */
export const segmentName = (sequence: number): string => `${String(sequence).padStart(12, '0')}.jsonl`;

/**
 * The budget writes a sole writer has decided but not yet committed to its database, on disk
 * before the decision is acted on. Lines are appended to the open segment in the order of the
 * calls that append them, by one write at a time, at the end of the turn of the event loop after
 * the one that asked for it (group commit: a write carries every line appended since the one
 * before it started, so under load the reservations of two turns share one system call). A
 * reservation's caller waits for the write that carries its line: it is in the kernel before the
 * call that was reserved goes to the model, so a killed process loses none of it (like the
 * embedded database's own commits, which run with `synchronous_commit` off, it is not forced to
 * the disk). A segment is sealed once large (`seal`) and removed once every write in it is
 * committed; segments left by a process that died are replayed, oldest first, before the next
 * one decides anything.
 */
export interface BudgetJournal {
  /**
   * Appends `line` (one write, `budgetLineOf`: the write-behind sends the same text to the
   * database) with the lines held before it, in the next write (opening a segment if none is
   * open). The promise resolves once that write has completed, and rejects when it failed: the
   * line was not written then, and goes out again (whole, after the others of its write) with
   * the next write, so a caller that undoes what it stands for must journal the undoing too.
   * Throws once the journal is closed.
   */
  append(line: string): Promise<void>;
  /**
   * Appends `line` without asking for a write: it rides with the next `append`'s write or `seal`,
   * so that a settle costs no system call of its own. Throws once the journal is closed.
   */
  hold(line: string): void;
  /**
   * Writes every line appended before the call, then, when the open segment holds at least
   * `minBytes` (0: whenever it holds anything), closes it and resolves with its path; else keeps
   * appending to it. Lines appended after the call go to the next segment. Rejects when a write
   * fails (the segment then stays open, its lines kept for the next write). Creating and
   * removing a file costs far more than a line, so a segment is sealed only once it is large;
   * what of it is committed already is written again at a replay, which changes nothing
   * (`writeBudgetBatch` is idempotent). One seal at a time.
   */
  seal(minBytes: number): Promise<string | undefined>;
  /** Removes sealed segments whose writes are committed. */
  discard(segments: readonly string[]): Promise<void>;
  /**
   * Writes what is appended (after the write under way), then closes the open segment, keeping
   * it (its writes are replayed at the next start). Idempotent: every call gets the same promise.
   */
  close(): Promise<void>;
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
      let write: BudgetWrite | undefined;
      try {
        write = budgetWriteOfLine(JSON.parse(line));
      } catch {
        // A torn last line: the write never completed, so nothing acted on it.
      }
      if (write !== undefined) writes.push(write);
    }
    segments.push({ path, writes });
  }
  return segments;
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
