import type { RequestApproval } from '../../core/approval.js';
import type { SessionRecord } from '../../core/stores.js';
import type { RunRecordRow, RunStartRecord, RunThreadGuard, ThreadStore } from '../../core/thread-store.js';
import type { Message } from '../../core/messages.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { runIdInUse, storeUnavailable } from './call-thread-store.js';
import { isRunIdInUse } from '../../core/run-id-in-use-error.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import { compactedOf, messagesOf, recordOf, type RunEnding } from './run-ending.js';
import { keepRunOutput } from './keep-run-output.js';
import { messagesToAppend } from '../../agent/thread-history.js';
import { finishRunOf } from './thread-store-calls.js';
import { ownerOfSession } from './thread-wire.js';
import { DeferredRunStartWrite, settledAlready } from './deferred-run-start.js';
import type { InboxCall } from './inbox-entry.js';
import type { InboxChange, RecordInAudit, SettleClientToolCall } from './record-in-inbox.js';
import { RunInboxRecording } from './run-inbox-recording.js';

export { inputHashOf } from './run-inbox-recording.js';
export type { RunEnding } from './run-ending.js';

/** Options of `startRunRecording`. */
export interface RunRecordingOptions {
  database: GatewayDatabase | undefined;
  session: SessionRecord;
  runId: string;
  model: string | undefined;
  request: ChatRunRequest;
  /** The run continues one another instance started: its start is recorded already. */
  continued: boolean;
  report: (error: unknown, where: string) => void;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Told of each of the run's approvals entering the inbox. */
  onInboxChange?: ((change: InboxChange) => void) | undefined;
  /** Writes how each of the run's waits ended in the inbox's audit (`RecordInAudit`). */
  recordInAudit: RecordInAudit;
}

const noop = (): void => undefined;

/** The record of one run in the durable store. */
export interface RunRecording {
  /**
   * Has the run's start written now if it is still held back, and settles once it is in the
   * store (or its write was given up): what refers to the record (a suspension, an approval
   * decision) waits for it.
   */
  whenRecorded(): Promise<void>;
  /**
   * Writes the start of a run that is recorded alongside its run (a thread's, or any on an
   * embedded database that answers) now, once. A no-op for other runs (their start is written
   * already) and once the run ended (its end writes the whole record).
   */
  writeStart(): void;
  /**
   * Writes that start once the run has gone on for `RUN_START_WRITE_DELAY_MS`; the caller calls
   * it when the run has begun to answer. A run that ends sooner is written once, whole, at its
   * end; anything that needs the record meanwhile (`whenRecorded`, `GatewayDatabase.runStarted`)
   * has it written at once.
   */
  writeStartLater(): void;
  /** Wraps the run's approval requests so that every decision (and timeout) is recorded. */
  recordApprovals(requestApproval: RequestApproval): RequestApproval;
  /** Lists a client-side tool's call in the approvals inbox while it waits (`listClientToolCall`). */
  recordClientToolCall(call: InboxCall): Promise<SettleClientToolCall>;
  /** Settles the inbox entry of a client-side tool's call answered while the run was suspended. */
  settleClientToolCall(toolCallId: string): SettleClientToolCall;
  /**
   * Records the end of the run and appends its messages to its thread, once, off the token
   * path (the terminal event is out already). Failures are reported, never thrown. The write is
   * tracked by the database from this call on (`GatewayDatabase.track`, `trackRunEnd`): the
   * thread's next read, `GET /runs/:id` and the database's close wait for it, so the caller
   * need not hold the run's session until it lands. The promise never rejects.
   */
  finish(ending: RunEnding): Promise<unknown>;
}

/**
 * How recently the database must have answered (`ThreadStore.answeredRecently`) for a
 * thread-less run's start to be written off the token path, and for a thread's run to read its
 * history ahead of the writes under way (`ThreadStore.loadThreadTurnAhead`).
 */
export const ANSWERED_WITHIN_MS = 2_000;

/**
 * How long a run recorded alongside its run goes on before its start is written (or up to
 * `DEFERRED_START_TICK_MS` more: one clock writes every held start that is due). Most chats against
 * a fast model end sooner: they then cost one write (the whole record at the end) instead of
 * two, and nothing is written while they stream.
 */
export const RUN_START_WRITE_DELAY_MS = 250;

/**
 * Records a run in the durable store when `server.database` is set (undefined otherwise):
 * its start now (thread, owner, model): awaited for a run without a thread, so that a database
 * that fails refuses the chat with 503 `store_unavailable` before anything starts, unless the
 * store, its database's only user, knows that it answered a moment ago and has not failed since;
 * and written alongside the start of a run that continues a thread (whose read has just reached
 * the database and refused the chat had it failed); its approval decisions as they are made; its
 * end and its thread's new messages, in one write, when it finishes. Messages are written at their
 * sequence in the thread, so a run taken over by another instance writes nothing twice.
 * The recording is handed back at once (no promise, no turn of the event loop) unless its
 * start is awaited.
 */
export function startRunRecording(
  options: RunRecordingOptions,
): RunRecording | undefined | Promise<RunRecording> {
  const { database, session, runId, request, report } = options;
  if (database?.configured !== true) return undefined;
  const stores = database.current();
  if (stores === undefined) throw storeUnavailable();
  const store: ThreadStore = stores.threads;
  const now = options.now ?? Date.now;
  // Held to the thread generation the run read: should its id change hands meanwhile (deleted,
  // then created again, by another owner or the same one), the run writes nothing there.
  const start: RunStartRecord = {
    id: runId,
    threadId: request.thread?.id ?? null,
    owner: ownerOfSession(session),
    model: options.model ?? '',
    startedAt: now(),
    threadEpoch: request.thread?.epoch,
  };
  // Set when present rather than spread in: one literal per chat.
  if (request.multitask !== undefined) {
    start.multitask = { strategy: request.multitask };
    if (request.interruptedRunId !== undefined) start.multitask.interruptedRunId = request.interruptedRunId;
  }
  // A background run's record is awaited like a thread-less run's: its start is answered with
  // the run id, which `GET /runs/:id` must then know.
  const answers = request.thread !== undefined || store.answeredRecently?.(ANSWERED_WITHIN_MS) === true;
  const parts: RecordingParts = {
    database,
    store,
    stores,
    session,
    request,
    report,
    now,
    start,
    deferredStart: undefined,
    onInboxChange: options.onInboxChange,
    recordInAudit: options.recordInAudit,
  };
  if (options.continued) return new StoreRunRecording(parts);
  if (answers && request.detached !== true) {
    // The thread was read a moment ago, or the database (which only this process uses) answered
    // a moment ago and has not failed since: the start is written once the run has something to
    // say (`writeStart`), off the token path, and the recording is handed back at once. What
    // depends on the record (its approvals, an answer kept, a suspension) waits for it; should
    // it never land, or the run end before it is written, the end writes the record whole.
    parts.deferredStart = new DeferredRunStartWrite(database, store, start);
    return new StoreRunRecording(parts);
  }
  return store.recordRunStart(start).then(
    () => new StoreRunRecording(parts),
    (error: unknown) => {
      report(error, 'database');
      throw isRunIdInUse(error) ? runIdInUse(error) : storeUnavailable(error);
    },
  );
}

/** What a `StoreRunRecording` is made of. */
interface RecordingParts {
  database: GatewayDatabase;
  store: ThreadStore;
  /** The database's other stores (the approval inbox, background runs). */
  stores: DatabaseStores;
  session: SessionRecord;
  request: ChatRunRequest;
  report: (error: unknown, where: string) => void;
  now: () => number;
  start: RunStartRecord;
  /** The start held back, when it is written alongside the run. */
  deferredStart: DeferredRunStartWrite | undefined;
  onInboxChange: ((change: InboxChange) => void) | undefined;
  recordInAudit: RecordInAudit;
}

/**
 * The record of one run (see `startRunRecording`). A class rather than an object of closures:
 * one is made per chat, and most of its methods are never called on a short one.
 */
class StoreRunRecording implements RunRecording {
  readonly #parts: RecordingParts;
  /** Its approvals and client-side tool calls; made at the first. */
  #inboxRecording: RunInboxRecording | undefined;

  constructor(parts: RecordingParts) {
    this.#parts = parts;
  }

  whenRecorded(): Promise<void> {
    return this.#parts.deferredStart?.whenRecorded() ?? settledAlready;
  }

  writeStart(): void {
    this.#parts.deferredStart?.writeNow();
  }

  writeStartLater(): void {
    this.#parts.deferredStart?.writeLater(RUN_START_WRITE_DELAY_MS);
  }

  recordApprovals(requestApproval: RequestApproval): RequestApproval {
    return this.#inbox().recordApprovals(requestApproval);
  }

  recordClientToolCall(call: InboxCall): Promise<SettleClientToolCall> {
    return this.#inbox().recordClientToolCall(call);
  }

  settleClientToolCall(toolCallId: string): SettleClientToolCall {
    return this.#inbox().settleClientToolCall(toolCallId);
  }

  #inbox(): RunInboxRecording {
    this.#inboxRecording ??= new RunInboxRecording({
      ...this.#parts,
      whenRecorded: () => {
        this.writeStart();
        return this.whenRecorded();
      },
    });
    return this.#inboxRecording;
  }

  finish(ending: RunEnding): Promise<unknown> {
    const { database, store, stores, request, report, now, start, deferredStart } = this.#parts;
    // Everything the write needs is taken now: what waits for the write holds the record and
    // the new messages, not the run's result or request.
    const thread = request.thread;
    const input = request.history;
    const added =
      thread !== undefined && input !== undefined
        ? messagesToAppend(input, thread.storedCount, messagesOf(ending), compactedOf(ending))
        : [];
    const run = recordOf(start, ending, now());
    const append =
      thread === undefined || added.length === 0 ? undefined : { firstSeq: thread.baseSeq, messages: added };
    // One write: the thread's new messages and the run's end (its whole record if the start
    // never went out), after the start's write and the decisions' writes, if any, have settled.
    const started = deferredStart?.release();
    const decisions = this.#inboxRecording?.decisions;
    const output = keepRunOutput(
      { database, backgroundRuns: stores.backgroundRuns, request, runId: start.id, threadId: start.threadId },
      ending,
    );
    const before =
      decisions === undefined && output === undefined
        ? started
        : Promise.all([started, ...(decisions ?? []), output]);
    return writeEnd({ database, store, runId: start.id, threadId: thread?.id, before, run, append, report });
  }
}

/** What `writeEnd` writes, and where it reports. */
interface EndWrite {
  database: GatewayDatabase;
  store: ThreadStore;
  runId: string;
  threadId: string | undefined;
  /** The writes the end goes after (the start's, the decisions'), if any. */
  before: Promise<unknown> | undefined;
  run: RunRecordRow & RunThreadGuard;
  append: { firstSeq: number; messages: readonly Message[] } | undefined;
  report: (error: unknown, where: string) => void;
}

/**
 * Writes a run's end once `before` has settled, retried through an outage, and has the
 * database track it. A function of its own so that what waits for the write (up to a batch's
 * hold) holds only what it writes: a closure made inside `startRunRecording` would keep the
 * run's whole request, its history included, alive until the commit.
 */
function writeEnd(end: EndWrite): Promise<unknown> {
  const { database, store, runId, run, append, report } = end;
  const write = (): Promise<boolean> =>
    database.retries.run(`end of run ${runId}`, () => finishRunOf(store, run, append));
  // Retried writes report what they give up and never reject (most chats: no reaction of its
  // own); what the end goes after may, and is then reported.
  const written =
    end.before === undefined
      ? write()
      : end.before.then(write).then(noop, (error: unknown) => report(error, 'database'));
  if (end.threadId !== undefined) database.track(end.threadId, written);
  database.trackRunEnd(runId, written);
  return written;
}
