import { newRunId } from '../../stores/new-run-id.js';
import type { RunOptions, RunResult } from '../../agent/agent-loop-input.js';
import { messagesToAppend, modelViewOf } from '../../agent/thread-history.js';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Message } from '../../core/messages.js';
import type { RunRecordRow, ThreadOwner, ThreadStore } from '../../core/thread-store.js';
import { openThreadStore } from '../../database/sql/open-thread-store.js';
import {
  isGivenDatabase,
  type DatabaseOption,
  type DatabaseSetting,
} from '../../agent-spec/database-option.js';
import { databaseStoresOf } from '../../agent-spec/database-stores-of.js';
import type { RunOutput } from '../run-output.js';

/** Options of `startHeadlessThreadRun`. */
export interface HeadlessThreadRunOptions {
  /** Where the thread is kept: a database to open (and close), or one handed in (left open). */
  database: Exclude<DatabaseSetting, false>;
  threadId: string;
  owner: ThreadOwner;
  /** The model the run uses, as recorded. */
  model: string;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/** A headless run on a stored thread, from its start to its record. */
export interface HeadlessThreadRun {
  readonly runId: string;
  /**
   * Wraps the loop's `run`: the model reads the thread's stored history (its model view, so a
   * compacted thread stays compacted) followed by the run's new message. Keeps what it returned.
   */
  wrap(run: (input: RunOptions) => Promise<RunResult>): (input: RunOptions) => Promise<RunResult>;
  /**
   * Appends the run's messages to the thread at their sequence and records the run's end.
   * `output` is the run's output, undefined when it was cancelled. Rejects with
   * `store_unavailable` when the database fails (the output is then not stored).
   */
  finish(output: RunOutput | undefined): Promise<void>;
  /**
   * Closes the database this run opened (a `ThreadStore` handed in stays open), after
   * recording a run that never reached `finish` (its tools failed to start) as failed. Idempotent.
   */
  close(): Promise<void>;
}

type RunEnd = Pick<
  RunRecordRow,
  'status' | 'outcomeCode' | 'turns' | 'usage' | 'estimatedCostUsd' | 'endedAt'
>;

/** The end of a headless run's record, from what its loop returned and what the run reported. */
function endOf(result: RunResult | undefined, output: RunOutput | undefined, endedAt: number): RunEnd {
  const counts = {
    turns: result?.turns ?? 0,
    usage: result?.usage ?? null,
    estimatedCostUsd: result?.usage.estimated_cost ?? null,
    endedAt,
  };
  if (output === undefined) return { status: 'cancelled', outcomeCode: 'cancelled', ...counts };
  if (output.timedOut) return { status: 'failed', outcomeCode: 'timeout', ...counts };
  switch (result?.outcome) {
    case 'completed':
      return { status: 'completed', outcomeCode: null, ...counts };
    case 'max_turns':
      return { status: 'failed', outcomeCode: 'max_turns', ...counts };
    case 'budget':
      return { status: 'failed', outcomeCode: 'budget_exceeded', ...counts };
    case 'budget_exceeded':
      return { status: 'budget_exceeded', outcomeCode: 'budget_exceeded', ...counts };
    case 'aborted':
      return { status: 'cancelled', outcomeCode: 'cancelled', ...counts };
    default:
      return { status: 'failed', outcomeCode: result?.errorCode ?? 'internal_error', ...counts };
  }
}

const unavailable = (what: string, cause: unknown): GatewayError =>
  cause instanceof GatewayError && cause.code !== GatewayErrorCode.Internal
    ? cause
    : new GatewayError(GatewayErrorCode.StoreUnavailable, `the thread database failed (${what})`, { cause });

/**
 * Opens (or takes) the thread store, loads the thread `threadId` of `owner` (creating it on
 * first use) and records the run's start, before anything runs: a database that fails rejects
 * with `store_unavailable`, and a thread id another owner holds with `invalid_option`, which
 * tells no more than that the id is taken.
 */
export async function startHeadlessThreadRun(options: HeadlessThreadRunOptions): Promise<HeadlessThreadRun> {
  const { threadId, owner, logger } = options;
  const now = options.now ?? Date.now;
  const given = isGivenDatabase(options.database) ? databaseStoresOf(options.database).threads : undefined;
  const store: ThreadStore =
    given ??
    (await openThreadStore(options.database as DatabaseOption, {
      logger,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    }));
  // Drawn as a gateway's run ids are (its draw time, then 96 random bits); not reserved (a
  // headless run shares no store with a gateway's), so its record's start write is the check.
  const runId = newRunId();
  let started = false;
  let ended = false;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (started && !ended) {
        ended = true;
        const end: RunEnd = {
          ...endOf(undefined, undefined, now()),
          status: 'failed',
          outcomeCode: 'internal_error',
        };
        await store.recordRunEnd(runId, end).catch(() => undefined);
      }
      if (given === undefined) await store.close();
    })();
    return closing;
  };

  let history: Message[];
  let baseSeq: number;
  try {
    const stored = await loadOrCreate(store, owner, threadId);
    history = modelViewOf(stored);
    baseSeq = stored.length === 0 ? 0 : (stored.at(-1)?.seq ?? 0) + 1;
    await store.recordRunStart({ id: runId, threadId, owner, model: options.model, startedAt: now() });
    started = true;
  } catch (error) {
    await close().catch(() => undefined);
    throw unavailable('starting the run', error);
  }

  let input: Message[] | undefined;
  let result: RunResult | undefined;
  return {
    runId,
    wrap: (run) => async (options) => {
      input = [...history, ...options.messages];
      result = await run({ ...options, messages: input });
      return result;
    },
    async finish(output) {
      if (ended) return;
      ended = true;
      const added =
        input === undefined
          ? []
          : messagesToAppend(input, history.length, result?.messages, result?.compactedMessages);
      try {
        if (added.length > 0) await store.appendMessages(threadId, runId, baseSeq, added);
        await store.recordRunEnd(runId, endOf(result, output, now()));
      } catch (error) {
        logger.error(`Storing headless run ${runId} in thread ${threadId} failed`, { error });
        throw unavailable(`storing run ${runId}`, error);
      }
    },
    close,
  };
}

/** The thread's stored history, the thread created first when the id is free. */
async function loadOrCreate(store: ThreadStore, owner: ThreadOwner, threadId: string) {
  const existing =
    (await store.getThread(owner, threadId)) ??
    (await store.createThread(owner, { id: threadId })) ??
    // Created by another run of the same owner meanwhile, or held by another owner.
    (await store.getThread(owner, threadId));
  const stored = existing === undefined ? undefined : await store.loadMessages(owner, threadId);
  if (stored === undefined) {
    throw new GatewayError(
      GatewayErrorCode.InvalidOption,
      `headless.thread '${threadId}' is taken by another owner than headless.owner; pick another thread id`,
    );
  }
  return stored;
}
