import type { Message } from '../../core/messages.js';
import type { SessionRecord } from '../../core/stores.js';
import type { StoredMessage, ThreadOwner, ThreadTurnAhead } from '../../core/thread-store.js';
import { THREAD_ID_PATTERN } from '../../core/thread-limits.js';
import { HttpError } from '../../core/http-error.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { callThreadStore, storeUnavailable } from './call-thread-store.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { settledWithin } from '../database/settled-within.js';
import { modelViewOf } from '../../agent/thread-history.js';
import { loadThreadTurnOf } from './thread-store-calls.js';
import { ownerOfSession } from './thread-wire.js';
import { tenantKeyOfSession } from '../contracts/session-owner.js';
import { ANSWERED_WITHIN_MS } from './run-recorder.js';

/** How long a chat waits for the writes of its thread's previous run on this instance. */
const SETTLE_WAIT_MS = 10_000;

/** Where the last message a person wrote is (a user message that is not only tool results); -1. */
function lastPersonMessage(stored: readonly StoredMessage[]): number {
  for (let index = stored.length - 1; index >= 0; index -= 1) {
    const { message } = stored[index] ?? {};
    if (message?.role !== 'user') continue;
    if (
      typeof message.content === 'string' ||
      message.content.some((block) => block.type !== 'tool_result')
    ) {
      return index;
    }
  }
  return -1;
}

/** Options of `threadTurn`. */
export interface ThreadTurnOptions {
  database: GatewayDatabase;
  session: SessionRecord;
  /** The frontend's conversation id (`useChat` chat id, AG-UI `threadId`): the thread's id. */
  threadId: string;
  /** The client's new message(s), already converted and checked. */
  added: readonly Message[];
  report: (error: unknown, where: string) => void;
  /**
   * The client asks for a new answer to the thread's last user message (`useChat`'s
   * `regenerate`): the stored messages after it are deleted and replaced by the new run's, and
   * the message the client sent again is not added twice.
   */
  regenerate?: boolean;
}

/** What a frontend turn on a stored thread runs with. */
export interface ThreadTurn {
  /** The model's view of the stored thread followed by the client's new messages. */
  history: Message[];
  /** Where the run's messages go in the thread. */
  thread: NonNullable<ChatRunRequest['thread']>;
  /** Every stored message of the thread (for a client that shows the whole conversation). */
  stored: readonly StoredMessage[];
}

/**
 * The thread from the store's memory, without waiting for the writes of its earlier runs on
 * this instance (`ThreadStore.loadThreadTurnAhead`: the store is the database's only writer and
 * saw them all), while the database is known to answer. Undefined otherwise.
 */
function readAhead(
  database: GatewayDatabase,
  owner: ThreadOwner,
  threadId: string,
): ThreadTurnAhead | undefined {
  const store = database.configured ? database.current()?.threads : undefined;
  if (store?.loadThreadTurnAhead === undefined || store.answeredRecently?.(ANSWERED_WITHIN_MS) !== true) {
    return undefined;
  }
  return store.loadThreadTurnAhead(owner, threadId);
}

/** The turn on `stored` (the thread's history) with the client's new messages `added`. */
function turnOf(
  threadId: string,
  stored: readonly StoredMessage[],
  epoch: number | undefined,
  added: readonly Message[],
): ThreadTurn {
  // The view is a new array: the client's messages go on its end, with no second copy.
  const view = modelViewOf(stored);
  const storedCount = view.length;
  for (const message of added) view.push(message);
  return {
    history: view,
    thread: {
      id: threadId,
      baseSeq: stored.length === 0 ? 0 : (stored.at(-1)?.seq ?? 0) + 1,
      storedCount,
      ...(epoch === undefined ? {} : { epoch }),
    },
    stored,
  };
}

/**
 * The stored thread a frontend turn continues, created for the session's owner on first use:
 * its history, then the client's new messages. An id another owner holds answers 404, like one
 * that does not exist; a failing database answers 503 `store_unavailable` and nothing starts.
 */
export async function threadTurn(options: ThreadTurnOptions): Promise<ThreadTurn> {
  const { database, session, threadId, report } = options;
  if (!THREAD_ID_PATTERN.test(threadId)) {
    throw HttpError.detail(422, 'The chat id must be 1 to 128 letters, digits, "_", "-", "." or ":"');
  }
  const owner = ownerOfSession(session);
  // Usually the store holds the thread as its previous run left it, ends not yet committed
  // included: nothing to wait for, nothing to read. A regeneration changes what is stored.
  const ahead = options.regenerate === true ? undefined : readAhead(database, owner, threadId);
  if (ahead !== undefined) return turnOf(threadId, ahead.messages, ahead.epoch, options.added);
  // Otherwise a write of this thread's previous run still under way on this instance goes
  // first: read before it lands, the history would miss that run's messages. It may be retried through an
  // outage; past a bound the chat is refused (the database is the trouble) and may be retried.
  if (!(await settledWithin(database.settled(threadId), SETTLE_WAIT_MS))) throw storeUnavailable();
  const loaded = await callThreadStore(database, report, async (store, stores) => {
    // One round trip for a thread that exists (the usual case): its messages (owner-scoped:
    // undefined for a missing or foreign thread) and whether a run of it is suspended.
    let found = await loadThreadTurnOf(stores, owner, threadId);
    const waiting = found?.suspendedRunId;
    if (found === undefined) {
      // Not this owner's: create it, unless it exists (another owner's, or created meanwhile),
      // then read it for its generation, which the run's writes are held to.
      const tenantKey = tenantKeyOfSession(session);
      await store.createThread(owner, {
        id: threadId,
        ...(tenantKey === undefined ? {} : { tenantKey }),
        ...(database.maxThreadsPerOwner === undefined
          ? {}
          : { maxThreadsOfOwner: database.maxThreadsPerOwner }),
      });
      found = await loadThreadTurnOf(stores, owner, threadId);
    }
    const messages = found?.messages;
    if (messages === undefined) return undefined;
    if (waiting !== undefined) {
      // The thread's last run waits for answers: a new message now would fork its history.
      throw new HttpError(409, {
        detail: `Run ${waiting} of this thread is suspended until its pending calls are answered; answer them first`,
        code: 'run_suspended',
        run_id: waiting,
      });
    }
    const last = options.regenerate === true ? lastPersonMessage(messages) : -1;
    if (last === -1) return { messages, epoch: found?.epoch, regenerated: false };
    await store.truncateMessages(owner, threadId, (messages[last]?.seq ?? 0) + 1);
    // A truncation starts a new generation of the thread: the run writes into that one.
    const truncated = await loadThreadTurnOf(stores, owner, threadId);
    if (truncated === undefined) return undefined;
    return { messages: truncated.messages, epoch: truncated.epoch, regenerated: true };
  });
  if (loaded?.messages === undefined) throw HttpError.detail(404, 'Thread not found');
  return turnOf(threadId, loaded.messages, loaded.epoch, loaded.regenerated ? [] : options.added);
}

/** A stored thread's messages for its owner; 404 when the owner holds no such thread. */
export async function ownedThreadMessages(
  database: GatewayDatabase | undefined,
  session: SessionRecord,
  threadId: string,
  report: (error: unknown, where: string) => void,
): Promise<StoredMessage[]> {
  const owner = ownerOfSession(session);
  // Bounded like a chat's wait: a read does not hang for the length of an outage.
  if (database !== undefined && !(await settledWithin(database.settled(threadId), SETTLE_WAIT_MS))) {
    throw storeUnavailable();
  }
  const stored = await callThreadStore(database, report, async (store) =>
    (await store.getThread(owner, threadId)) === undefined ? undefined : store.loadMessages(owner, threadId),
  );
  if (stored === undefined) throw HttpError.detail(404, 'Thread not found');
  return stored;
}
