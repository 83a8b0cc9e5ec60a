import type { Message } from '../../core/messages.js';
import type { SessionRecord } from '../../core/stores.js';
import type { StoredMessage } from '../../core/thread-store.js';
import { THREAD_ID_PATTERN } from '../../core/thread-limits.js';
import { HttpError } from '../../core/http-error.js';
import type { ChatRunRequest } from '../http/request-schemas.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import type { ThreadDatabase } from '../threads/thread-database.js';
import { modelViewOf } from '../threads/thread-history.js';
import { ownerOfSession } from '../threads/thread-wire.js';

/** Options of `threadTurn`. */
export interface ThreadTurnOptions {
  database: ThreadDatabase;
  session: SessionRecord;
  /** The frontend's conversation id (`useChat` chat id, AG-UI `threadId`): the thread's id. */
  threadId: string;
  /** The client's new message(s), already converted and checked. */
  added: readonly Message[];
  report: (error: unknown, where: string) => void;
}

/** What a frontend turn on a stored thread runs with. */
export interface ThreadTurn {
  /** The model's view of the stored thread followed by the client's new messages. */
  history: Message[];
  /** Where the run's messages go in the thread. */
  thread: NonNullable<ChatRunRequest['thread']>;
  /** Every stored message of the thread (for a client that shows the whole conversation). */
  stored: StoredMessage[];
}

/**
 * The stored thread a frontend turn continues, created for the session's owner on first use:
 * its history, then the client's new messages. An id another owner holds answers 404, like one
 * that does not exist; a failing database answers 503 `store_unavailable` and nothing starts.
 */
export async function threadTurn(options: ThreadTurnOptions): Promise<ThreadTurn> {
  const { database, session, threadId, added, report } = options;
  if (!THREAD_ID_PATTERN.test(threadId)) {
    throw HttpError.detail(422, 'The chat id must be 1 to 128 letters, digits, "_", "-", "." or ":"');
  }
  const owner = ownerOfSession(session);
  // A write of this thread's previous run still under way on this instance goes first.
  await database.settled(threadId);
  const stored = await callThreadStore(database, report, async (store) => {
    const existing =
      (await store.getThread(owner, threadId)) ??
      (await store.createThread(owner, { id: threadId })) ??
      (await store.getThread(owner, threadId));
    return existing === undefined ? undefined : store.loadMessages(owner, threadId);
  });
  if (stored === undefined) throw HttpError.detail(404, 'Thread not found');
  const view = modelViewOf(stored);
  return {
    history: [...view, ...added],
    thread: {
      id: threadId,
      baseSeq: stored.length === 0 ? 0 : (stored.at(-1)?.seq ?? 0) + 1,
      storedCount: view.length,
    },
    stored,
  };
}

/** A stored thread's messages for its owner; 404 when the owner holds no such thread. */
export async function ownedThreadMessages(
  database: ThreadDatabase | undefined,
  session: SessionRecord,
  threadId: string,
  report: (error: unknown, where: string) => void,
): Promise<StoredMessage[]> {
  const owner = ownerOfSession(session);
  await database?.settled(threadId);
  const stored = await callThreadStore(database, report, async (store) =>
    (await store.getThread(owner, threadId)) === undefined ? undefined : store.loadMessages(owner, threadId),
  );
  if (stored === undefined) throw HttpError.detail(404, 'Thread not found');
  return stored;
}
