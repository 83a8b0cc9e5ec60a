import type {
  ApprovalRecordRow,
  RunRecordRow,
  StoredMessage,
  ThreadOwner,
  ThreadRecord,
} from '../../core/thread-store.js';
import { GatewayError } from '../../core/errors.js';
import { decodeCursor, encodeCursor, type CursorPosition } from '../sql/page-cursor.js';

/** A thread and its messages, by sequence number. */
export interface ThreadEntry {
  record: ThreadRecord;
  messages: Map<number, StoredMessage>;
}

/** A run's record and the approvals decided in it. */
export interface RunEntry {
  row: RunRecordRow;
  approvals: ApprovalRecordRow[];
}

/** Runs `work` now and hands its result (or its throw) over as a promise. */
export function settle<Result>(work: () => Result): Promise<Result> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

export const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

/** A deep copy: nothing handed in or out shares memory with the store. */
export const copy = <Value>(value: Value): Value => structuredClone(value);

/** The owner with only its own fields. */
export const ownerCopy = (owner: ThreadOwner): ThreadOwner =>
  owner.user === undefined
    ? { apiKeyHash: owner.apiKeyHash }
    : { apiKeyHash: owner.apiKeyHash, user: owner.user };

/** Newest first: later `at`, then the greater id (the order the SQL stores use). */
const isAfterInList = (item: CursorPosition, cursor: CursorPosition): boolean =>
  item.at < cursor.at || (item.at === cursor.at && item.id < cursor.id);

export function pageOf<Entry>(
  entries: Entry[],
  positionOf: (entry: Entry) => CursorPosition,
  page: { limit: number; cursor?: string },
): { items: Entry[]; nextCursor?: string } {
  if (!Number.isInteger(page.limit) || page.limit < 1) {
    throw new GatewayError('invalid_option', `limit must be a positive integer, got ${page.limit}`);
  }
  const cursor = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const sorted = entries
    .filter((entry) => cursor === undefined || isAfterInList(positionOf(entry), cursor))
    .sort((left, right) => {
      const a = positionOf(left);
      const b = positionOf(right);
      return b.at - a.at || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
    });
  const items = sorted.slice(0, page.limit);
  const last = items.at(-1);
  return sorted.length > page.limit && last !== undefined
    ? { items, nextCursor: encodeCursor(positionOf(last)) }
    : { items };
}

/** What the parts of one memory thread store share. */
export interface MemoryThreadState {
  threads: Map<string, ThreadEntry>;
  runs: Map<string, RunEntry>;
  now: () => number;
  /** Throws `store_unavailable` once the store is closed. */
  open: () => void;
  /** The thread if `owner` owns it. */
  ownThread: (owner: ThreadOwner, threadId: string) => ThreadEntry | undefined;
  /** The run if `owner` owns it. */
  ownRun: (owner: ThreadOwner, runId: string) => RunEntry | undefined;
  /** Deletes a thread with its messages, runs and their approvals. */
  forget: (threadId: string) => void;
}
