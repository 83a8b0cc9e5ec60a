/**
 * The durable store's contract: threads (conversations owned by a principal), the canonical
 * message history of each thread, a record of every run and of every approval decision.
 * Implemented over SQL (PostgreSQL through `pg`, or the embedded engine); Redis stays the hot
 * path for leases, pub/sub and live event logs, and this store holds what must outlive them.
 *
 * Every read and write that a client can cause is owner-scoped: a record of another owner is
 * reported exactly like a record that does not exist (`undefined` / `false`), so routes answer
 * 404 and never leak that an id is taken. Times are unix milliseconds. Records are copies.
 */

import type { UsageSummary } from './events.js';
import type { Message } from './messages.js';

/** Plain JSON object (thread metadata, stored inputs). */
export type JsonObject = { [key: string]: JsonValue };
/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/**
 * Who owns a thread: the API key's identity (`apiKeyHash` of the session) and, when a
 * server-side key asserted one at `/chat/init`, the end user it serves.
 */
export interface ThreadOwner {
  readonly apiKeyHash: string;
  /** Opaque end-user id asserted by a server-side key; absent for the key itself. */
  readonly user?: string;
}

/** One thread as stored. */
export interface ThreadRecord {
  /** `thr_` followed by 32 lowercase hex characters, or an id the client chose at creation. */
  id: string;
  owner: ThreadOwner;
  title: string | null;
  metadata: JsonObject;
  createdAt: number;
  updatedAt: number;
}

/** One message of a thread's canonical history, numbered from 0 in the order it was said. */
export interface StoredMessage {
  seq: number;
  /** The run that wrote it (absent for messages imported with the thread). */
  runId?: string;
  message: Message;
  createdAt: number;
}

/** A page of a list, newest first; `nextCursor` is opaque and absent on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** How a run ended, or that it has not. */
/**
 * A run's status: `budget_exceeded` when a gateway budget (`server.budgets`) refused its next model
 * call (what it did before stays in its thread).
 */
export type RunStatus = 'running' | 'suspended' | 'completed' | 'failed' | 'cancelled' | 'budget_exceeded';

/** One run as recorded: written when it starts, completed when it ends. */
export interface RunRecordRow {
  id: string;
  threadId: string | null;
  owner: ThreadOwner;
  model: string;
  status: RunStatus;
  /** Error code for failed/cancelled runs (`max_turns`, `budget_exceeded`, `backend_error`, ...). */
  outcomeCode: string | null;
  turns: number;
  usage: UsageSummary | null;
  estimatedCostUsd: number | null;
  startedAt: number;
  endedAt: number | null;
  /**
   * How the message that started it was taken while its session's run worked (`multitask`):
   * the strategy, and the run it interrupted or rolled back. Absent for runs started otherwise.
   */
  multitask?: RunMultitask;
}

/** A run's double-texting record (see `RunRecordRow.multitask`). */
export interface RunMultitask {
  strategy: string;
  interruptedRunId?: string;
}

/** The principal that answered an approval, as the audit keeps it. */
export interface ApproverPrincipal {
  /** The JWT issuer, or `authenticate` for the app's own hook. */
  issuer: string;
  tenant?: string;
  subject: string;
}

/** One approval decision as recorded. */
export interface ApprovalRecordRow {
  runId: string;
  toolCallId: string;
  toolName: string;
  /** SHA-256 (hex) of the canonical JSON of the tool input. */
  inputHash: string;
  decision: 'approved' | 'denied' | 'timed_out';
  alwaysAllow: boolean;
  /**
   * Who answered: the answering session's owner (`apiKeyHash`, `user`) and session id, and the
   * principal that answered when it was one (a JWT's or the `authenticate` hook's).
   */
  answeredBy: ThreadOwner & { sessionId: string | null; principal?: ApproverPrincipal };
  answeredAt: number;
}

/**
 * A thread as a run reads it ahead of the writes under way (`ThreadStore.loadThreadTurnAhead`):
 * the history is the store's own, shared, not a copy (never changed by the reader).
 */
export interface ThreadTurnAhead {
  readonly messages: readonly StoredMessage[];
  readonly epoch?: number;
}

/** A thread as a run that continues it reads it (`ThreadStore.loadThreadTurn`). */
export interface ThreadTurnRead {
  messages: StoredMessage[];
  /** The thread's run that is suspended until its calls are answered. */
  suspendedRunId?: string;
  /**
   * The thread's generation (`history_epoch`): it changes when the thread is deleted and
   * created again under the same id, and when messages are taken out of its history. A run
   * hands it back with its writes (`RunThreadGuard`), which then land only in the generation
   * it read. Absent from stores that keep no generation.
   */
  epoch?: number;
}

/**
 * What a run's writes are held to: a run's start and end land in its thread only while the
 * thread belongs to the run's owner and, when `threadEpoch` is given, is still the generation
 * the run read. A client-chosen id deleted mid-run and taken by another owner, or re-created,
 * gets nothing of the old run (neither messages nor a run record); a record already written
 * still ends (it went with the thread otherwise), `failed` with `MESSAGES_NOT_WRITTEN` when the
 * run had messages for the thread.
 */
export interface RunThreadGuard {
  /** The `ThreadTurnRead.epoch` the run read its thread at. */
  threadEpoch?: number | undefined;
}

/**
 * The `outcomeCode` of a run that ended `failed` because its messages could not be written to
 * its thread (`ThreadStore.finishRun`): another run had written those places first, or the
 * thread is no longer the one it read. Such a run never reads `completed`.
 */
export const MESSAGES_NOT_WRITTEN = 'messages_not_written';

/** A run's start as written (`ThreadStore.recordRunStart`). */
export type RunStartRecord = Omit<
  RunRecordRow,
  'status' | 'outcomeCode' | 'turns' | 'usage' | 'estimatedCostUsd' | 'endedAt'
> &
  RunThreadGuard;

/**
 * The durable store of threads: their messages, the record of runs and of approval decisions. The
 * database's other stores stand beside it in `DatabaseStores`. Every method may reject with
 * `GatewayError('store_unavailable')`.
 */
export interface ThreadStore {
  /**
   * Creates a thread; with `id` given and taken by anyone, resolves `undefined`. With
   * `maxThreadsOfOwner`, rejects with `GatewayError('limit_reached')` when the owner holds that
   * many threads already (threads created at the very same moment may pass it by a few).
   */
  createThread(
    owner: ThreadOwner,
    init: {
      id?: string;
      title?: string | null;
      metadata?: JsonObject;
      maxThreadsOfOwner?: number;
      /**
       * The tenant the owner belongs to, as an opaque key (a hash of the principal's issuer and
       * tenant): `listThreads` with the same key lists the thread. Absent: the thread is listed
       * to its owner only.
       */
      tenantKey?: string;
    },
  ): Promise<ThreadRecord | undefined>;
  getThread(owner: ThreadOwner, threadId: string): Promise<ThreadRecord | undefined>;
  /**
   * The owner's threads, newest first, a page at a time; with `tenantKey`, also every thread
   * created under that key (other owners' threads of the same tenant, for `GET /threads?scope=
   * tenant`, which shows only those `server.authorize` allows). A store that ignores `tenantKey`
   * lists the owner's threads only.
   */
  listThreads(
    owner: ThreadOwner,
    page: { limit: number; cursor?: string; tenantKey?: string },
  ): Promise<Page<ThreadRecord>>;
  updateThread(
    owner: ThreadOwner,
    threadId: string,
    patch: { title?: string | null; metadata?: JsonObject },
  ): Promise<ThreadRecord | undefined>;
  /** Deletes the thread, its messages, runs and approvals for good; false when not the owner's. */
  deleteThread(owner: ThreadOwner, threadId: string): Promise<boolean>;
  /**
   * Retention: deletes, for good and whoever owns them, up to `limit` threads last updated
   * before `cutoff` (unix ms), oldest first, each as `deleteThread` does (messages, runs,
   * approvals); resolves how many it deleted. Safe to call from several instances at once: a
   * thread is deleted once, and one being written meanwhile is skipped or kept. Runs without a
   * thread are not touched. `limit` must be a positive integer (`invalid_option`).
   */
  deleteThreadsIdleSince(cutoff: number, limit: number): Promise<number>;
  /** The thread's history in order; `undefined` when not the owner's. */
  loadMessages(owner: ThreadOwner, threadId: string): Promise<StoredMessage[] | undefined>;
  /**
   * What a run that continues the thread needs, in one read: its history (as `loadMessages`)
   * and the run of it that waits suspended, if any; `undefined` when not the owner's. Optional:
   * without it the gateway calls `loadMessages` and `suspendedRuns.ofThread`.
   */
  loadThreadTurn?(owner: ThreadOwner, threadId: string): Promise<ThreadTurnRead | undefined>;
  /**
   * What `loadThreadTurn` will answer once the thread's writes under way in this process have
   * landed, from memory alone, when the store can tell: it is its database's only writer and saw
   * every write of the thread since it last read it, which found no suspended run. The history
   * may then end with messages of runs' ends not committed yet; they are queued ahead of any
   * write of the run that reads them. `undefined` when the store cannot tell: the caller waits
   * for the thread's writes, then calls `loadThreadTurn`. Optional; no statement.
   */
  loadThreadTurnAhead?(owner: ThreadOwner, threadId: string): ThreadTurnAhead | undefined;
  /**
   * Appends messages at `firstSeq`, `firstSeq + 1`, ... Idempotent by (thread, seq): writing
   * the same position twice (a takeover repeating a turn) keeps the first and succeeds.
   */
  appendMessages(
    threadId: string,
    runId: string,
    firstSeq: number,
    messages: readonly Message[],
  ): Promise<void>;
  /**
   * Deletes the thread's messages from `fromSeq` on, for good (a regenerated answer replaces
   * them); false when the thread is not the owner's.
   */
  truncateMessages(owner: ThreadOwner, threadId: string, fromSeq: number): Promise<boolean>;
  /**
   * Records a run's start, unless recorded already; a start on a thread that is gone, another
   * owner's or of another generation (`RunThreadGuard`) writes nothing. A record under the id
   * that is another run's (owner, thread or start time differ) rejects the start with
   * `RunIdInUseError` (`run_id_in_use`) and is left as it was; a store that cannot tell may
   * resolve, as before.
   */
  recordRunStart(run: RunStartRecord): Promise<void>;
  recordRunEnd(
    runId: string,
    end: Pick<RunRecordRow, 'status' | 'outcomeCode' | 'turns' | 'usage' | 'estimatedCostUsd' | 'endedAt'>,
  ): Promise<void>;
  /**
   * Records how a run ended and appends its messages to its thread in one write: as
   * `appendMessages` (when `append` is given) then `recordRunEnd`, except that a record whose
   * start was never written is created whole from `run`, and that both are held to the run's
   * thread (`RunThreadGuard`): a thread gone, another owner's or of another generation takes
   * no message and no new record. A run that ended `completed` with messages that could not be
   * written (that thread, or places of it another run wrote first) is recorded `failed` with
   * `MESSAGES_NOT_WRITTEN`. Optional: without it the gateway calls `recordRunStart`,
   * `appendMessages` (after checking the thread's owner with `getThread`) and `recordRunEnd`.
   */
  finishRun?(
    run: RunRecordRow & RunThreadGuard,
    append?: { firstSeq: number; messages: readonly Message[] },
  ): Promise<void>;
  /**
   * Sends now the writes the store holds back for a moment (a run's end waits briefly so that
   * the ends of other runs share its statement); resolves once every write it had taken so far
   * has settled (never rejects). Called by whatever is about to wait for one of them or to read
   * what they write. Optional: a store that holds nothing back has none.
   */
  flushWrites?(): Promise<void>;
  getRun(owner: ThreadOwner, runId: string): Promise<RunRecordRow | undefined>;
  /** The thread's runs that belong to `owner`, newest first; `undefined` when not the owner's thread. */
  listRuns(
    owner: ThreadOwner,
    threadId: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<RunRecordRow> | undefined>;
  recordApproval(decision: ApprovalRecordRow): Promise<void>;
  /** The run's decisions in the order they were made; `undefined` when not the owner's run. */
  listApprovals(owner: ThreadOwner, runId: string): Promise<ApprovalRecordRow[] | undefined>;
  /**
   * Whose the thread or run with this id is, whoever asks; `undefined` when there is none. Not
   * for answering clients: `server.authorize` uses it to ask whether a principal of the owner's
   * tenant may act on it (widening), and the answer is never shown. Optional: a store without it
   * lets no one act on another principal's things.
   */
  ownerOf?(kind: 'thread' | 'run', id: string): Promise<ThreadOwner | undefined>;
  /**
   * Whether the database is known to answer: a statement succeeded within the last `withinMs`
   * and none failed since. Offered by a store that is its database's only user (the embedded
   * engine); a run that has nothing to read first may then write its start record off the way
   * to the first token instead of before the run starts. Without it (or false) the start is
   * written first, and a failing database refuses the chat.
   */
  answeredRecently?(withinMs: number): boolean;
  /** Closes connections (the embedded engine flushes). Idempotent. */
  close(): Promise<void>;
}
