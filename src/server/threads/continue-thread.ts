import type { Message } from '../../core/messages.js';
import type { SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import type { ChatBody, ChatRunRequest } from '../http/request-schemas.js';
import { callThreadStore } from './call-thread-store.js';
import type { ThreadDatabase } from './thread-database.js';
import { modelViewOf } from './thread-history.js';
import { ownerOfSession } from './thread-wire.js';

/** Options of `continueThread`. */
export interface ContinueThreadOptions {
  database: ThreadDatabase | undefined;
  session: SessionRecord;
  /** The native chat body, with `thread_id` set. */
  body: ChatBody & { thread_id: string };
  report: (error: unknown, where: string) => void;
}

/**
 * Turns a chat request that names a thread into the request the run executes: the thread's
 * stored history followed by the client's new messages, and where in the thread the run's
 * messages go. A thread id not taken yet creates the thread for the session's owner; an id
 * another owner holds answers 404, like one that does not exist. 404 `database_not_configured`
 * without `server.database`; 503 `store_unavailable` when the database fails (nothing starts).
 */
export async function continueThread(options: ContinueThreadOptions): Promise<ChatRunRequest> {
  const { database, session, body, report } = options;
  const owner = ownerOfSession(session);
  const threadId = body.thread_id;
  // A write of this thread's previous run still under way on this instance goes first.
  await database?.settled(threadId);
  const stored = await callThreadStore(database, report, async (store) => {
    const existing =
      (await store.getThread(owner, threadId)) ??
      (await store.createThread(owner, { id: threadId })) ??
      // Created by a request of the same owner meanwhile, or held by another owner.
      (await store.getThread(owner, threadId));
    return existing === undefined ? undefined : store.loadMessages(owner, threadId);
  });
  if (stored === undefined) throw HttpError.detail(404, 'Thread not found');
  const view = modelViewOf(stored);
  const added: Message[] = body.messages.map((message) => ({ role: message.role, content: message.content }));
  return {
    ...body,
    history: [...view, ...added],
    thread: {
      id: threadId,
      baseSeq: stored.length === 0 ? 0 : (stored.at(-1)?.seq ?? 0) + 1,
      storedCount: view.length,
    },
  };
}
