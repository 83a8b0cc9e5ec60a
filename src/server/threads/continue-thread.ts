import type { Message } from '../../core/messages.js';
import type { SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import type { ChatBody, ChatRunRequest } from '../http/request-schemas.js';
import { callThreadStore, storeUnavailable } from './call-thread-store.js';
import type { ThreadDatabase } from './thread-database.js';
import { modelViewOf } from './thread-history.js';
import { ownerOfSession } from './thread-wire.js';

/** How long a chat waits for the writes of its thread's previous run on this instance. */
const SETTLE_WAIT_MS = 10_000;

/** Whether `settled` resolves within `ms`. */
async function settledWithin(settled: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([settled.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

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
  // A write of this thread's previous run still under way on this instance goes first: read
  // before it lands, the history would miss that run's messages. It may be retried through an
  // outage; past a bound the chat is refused (the database is the trouble) and may be retried.
  if (database !== undefined && !(await settledWithin(database.settled(threadId), SETTLE_WAIT_MS))) {
    throw storeUnavailable();
  }
  const stored = await callThreadStore(database, report, async (store) => {
    const existing =
      (await store.getThread(owner, threadId)) ??
      (await store.createThread(owner, { id: threadId })) ??
      // Created by a request of the same owner meanwhile, or held by another owner.
      (await store.getThread(owner, threadId));
    if (existing === undefined) return undefined;
    const waiting = await store.suspendedRuns?.ofThread(threadId);
    return { messages: await store.loadMessages(owner, threadId), waiting };
  });
  if (stored?.messages === undefined) throw HttpError.detail(404, 'Thread not found');
  if (stored.waiting !== undefined) {
    // The thread's last run waits for answers: a new message now would fork its history.
    throw new HttpError(409, {
      detail: `Run ${stored.waiting} of this thread is suspended until its pending calls are answered; answer them first`,
      code: 'run_suspended',
      run_id: stored.waiting,
    });
  }
  const messages = stored.messages;
  const view = modelViewOf(messages);
  const added: Message[] = body.messages.map((message) => ({ role: message.role, content: message.content }));
  return {
    ...body,
    history: [...view, ...added],
    thread: {
      id: threadId,
      baseSeq: messages.length === 0 ? 0 : (messages.at(-1)?.seq ?? 0) + 1,
      storedCount: view.length,
    },
  };
}
