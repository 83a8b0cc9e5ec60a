import { randomUUID } from 'node:crypto';
import { errorBody, HttpError } from '../../core/http-error.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { SessionStore, SessionRecord } from '../../core/stores.js';
import type { SuspendedCallKind, SuspendedRun } from '../../core/suspended-run-store.js';
import type { JsonValue, ThreadOwner } from '../../core/thread-store.js';
import type { ResumedRunStarter } from './run-resumption.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { ChatRunRequest } from '../contracts/request-schemas.js';
import type { SubmissionResponse } from './claim-pending-submission.js';
import { ownerOfSession } from '../threads/thread-wire.js';
import { expandSnapshot } from './suspended-snapshot.js';
import { systemNow } from '../contracts/system-clock.js';

/** How long a claim to resume a run lasts: another instance may try again after it. */
const RESUME_CLAIM_MS = 30_000;
/** Suspended runs looked at per scan and kind. */
const SCAN_BATCH = 20;

/** Options of `createSuspendedRuns`. */
export interface SuspendedRunsOptions {
  config: Pick<GatewayServerConfig, 'database' | 'sessionTtlMs' | 'suspendedRunScanIntervalMs' | 'logger'>;
  sessions: SessionStore;
  /** Names this instance in its claims. */
  claimer: string;
  report: (error: unknown, where: string) => void;
  now?: () => number;
}

/** An answer to a call that may wait in the database. */
export interface SuspendedAnswer {
  session: SessionRecord;
  kind: SuspendedCallKind;
  toolCallId: string;
  nonce: string;
  /** The answer as the run reads it (an approval decision, or the client's `{result, error}`). */
  message: JsonValue;
  /** Texts of the answer route (`already submitted`, `expired`, delivery failed). */
  messages: { alreadySubmitted: string; expired: string; unavailable: string };
  /**
   * The live path kept this very answer in the call's slot (`keepAnswer`) as the run was being
   * suspended: it is the call's answer, to be applied rather than refused as a second one.
   */
  alreadyKept?: boolean;
  /** Refuses the answer for the call it answers (`server.requireDistinctApprover`). */
  admit?: (call: { kind: SuspendedCallKind; toolName: string }) => SubmissionResponse | undefined;
  /**
   * The run's owner when another principal answers for it (an approver of its tenant on
   * `POST /runs/:id/tool-approval`, already authorized): the call is looked up under this owner
   * instead of the session's, and the run resumes in a new session of its owner, never in the
   * answerer's.
   */
  owner?: ThreadOwner;
}

/** The app's suspended runs: answers to them, their resumption, and the scan that finds them. */
export interface SuspendedRuns {
  /** Gives the service the app's runs, through which resumed runs start. Once, before `start`. */
  bind(sessionRuns: ResumedRunStarter): void;
  /**
   * Answers a suspended call of the session's owner: the answer is stored (durable) before the
   * response, and the run resumes here once every call it waits for is answered. Undefined when
   * no suspended call matches (the route's own 404 stands).
   */
  answer(answer: SuspendedAnswer): Promise<SubmissionResponse | undefined>;
  /**
   * Resumes the run here when every call it waits for is answered and nobody holds it: what the
   * run's own instance does as it lets go of the hold its suspension was written under (an
   * answer stored meanwhile was acknowledged but could not resume it), so that the answer takes
   * effect at once rather than at the next scan. It resumes in the session that gave the last
   * answer when that is still live and its owner's (as if the answering request had resumed
   * it). Resolves whether it resumed; never rejects.
   */
  resumeIfAnswered(runId: string): Promise<boolean>;
  /** Starts the periodic scan (resumes runs whose answering instance died, expires the others). */
  start(): void;
  /** Stops the scan and waits for a round under way. Idempotent. */
  close(): Promise<void>;
}

const isCheckpoint = (value: unknown): value is RunCheckpoint =>
  typeof value === 'object' && value !== null && Array.isArray(Reflect.get(value, 'messages'));

/** Creates the service; nothing runs before `start()`. */
export function createSuspendedRuns(options: SuspendedRunsOptions): SuspendedRuns {
  const { config, sessions, claimer, report } = options;
  const now = options.now ?? systemNow;
  let sessionRuns: ResumedRunStarter | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let round: Promise<void> | undefined;
  let closed = false;
  const store = () => config.database?.current()?.suspendedRuns;

  /**
   * A new session of the run's owner, for a run resumed without its answering client, acting as
   * the principal the run acted as when it was suspended.
   */
  const sessionFor = async (run: SuspendedRun): Promise<SessionRecord> => {
    const nowSeconds = now() / 1000;
    const session: SessionRecord = {
      sessionId: `sess_${randomUUID().replaceAll('-', '')}`,
      apiKeyHash: run.owner.apiKeyHash,
      ...(run.owner.user === undefined ? {} : { user: run.owner.user }),
      ...(run.principal === undefined ? {} : { principal: run.principal }),
      createdAt: nowSeconds,
      expiresAt: nowSeconds + config.sessionTtlMs / 1000,
      approvedToolTypes: [],
    };
    await sessions.create(session);
    return session;
  };

  /**
   * The live session of the run's owner that gave its last answer, if any: a run resumed after
   * its answering request returned resumes there, so that the client that answered follows it
   * as it would have followed it had its request resumed it.
   */
  const answeringSessionOf = async (run: SuspendedRun): Promise<SessionRecord | undefined> => {
    const sessionId = run.calls.findLast((call) => call.answeredBySession !== undefined)?.answeredBySession;
    const session = sessionId === undefined ? undefined : await sessions.get(sessionId);
    if (session === undefined || session.expiresAt <= now() / 1000) return undefined;
    const owner = ownerOfSession(session);
    return owner.apiKeyHash === run.owner.apiKeyHash && owner.user === run.owner.user ? session : undefined;
  };

  /**
   * Claims and starts the run here; false when it is not due, claimed elsewhere, or cannot start
   * now. It starts in `answering`, or with `inAnsweringSession` in the session of the owner that
   * gave its last answer, when still live; else (or when that session runs another chat) in a
   * new session of its owner.
   */
  const resume = async (
    runId: string,
    answering?: SessionRecord,
    inAnsweringSession = false,
  ): Promise<boolean> => {
    const suspended = store();
    if (suspended === undefined || sessionRuns === undefined || closed) return false;
    const run = await suspended.claim(runId, claimer, RESUME_CLAIM_MS, now());
    if (run === undefined) return false;
    // The thread's history it left out is read back (owner-checked, same generation); should
    // the read fail, the claim lapses and a later scan tries again.
    const snapshot = await expandSnapshot(config.database?.current(), run);
    const request = ChatRunRequest.safeParse(snapshot?.['request']);
    const checkpoint = snapshot?.['checkpoint'];
    const lastSeq = snapshot?.['lastSeq'];
    if (!request.success || !isCheckpoint(checkpoint) || typeof lastSeq !== 'number') {
      report(new Error(`suspended run ${runId} has an unreadable snapshot`), 'suspended run');
      await suspended.remove(runId);
      return false;
    }
    const resumption = {
      checkpoint,
      afterSeq: lastSeq,
      answers: new Map(run.calls.map((call) => [call.toolCallId, call.answer ?? null])),
    };
    // The run takes its thread's lock again, as a new acquisition: the suspension was lifted only
    // once the suspended run had given its own back, and a late release of that one frees only it.
    const threadId = request.data.thread?.id;
    const start = (session: SessionRecord) =>
      sessionRuns?.start(session, request.data, {
        runId,
        resumption,
        ...(threadId === undefined ? {} : { threadId }),
      });
    try {
      const answered = answering ?? (inAnsweringSession ? await answeringSessionOf(run) : undefined);
      try {
        await start(answered ?? (await sessionFor(run)));
      } catch (error) {
        // The answering session runs another chat now: the run resumes in a session of its own.
        if (answered === undefined || !(error instanceof HttpError) || error.status !== 409) throw error;
        await start(await sessionFor(run));
      }
    } catch (error) {
      // The claim lapses and a later scan tries again.
      report(error, `resuming run ${runId}`);
      return false;
    }
    await suspended.markResumed(runId, now());
    config.logger.info('suspended run resumed', { runId, calls: run.calls.length });
    return true;
  };

  const scan = async (): Promise<void> => {
    const suspended = store();
    if (suspended === undefined) return;
    await suspended.purgeResumed(now());
    const due = await suspended.due(now(), SCAN_BATCH);
    for (const runId of [...due.resumable, ...due.expired]) {
      if (closed) return;
      await resume(runId);
    }
  };

  return {
    bind(runs) {
      sessionRuns = runs;
    },

    async answer(answer) {
      const suspended = store();
      if (suspended === undefined) return undefined;
      const unavailable: SubmissionResponse = {
        status: 503,
        body: errorBody(answer.messages.unavailable),
        headers: { 'retry-after': '1' },
      };
      let runId: string;
      try {
        const found = await suspended.findCall(
          answer.owner ?? ownerOfSession(answer.session),
          answer.toolCallId,
          answer.nonce,
        );
        if (found === undefined || found.call.kind !== answer.kind) return undefined;
        const refused = answer.admit?.(found.call);
        if (refused !== undefined) return refused;
        if (found.call.answer !== undefined && answer.alreadyKept !== true)
          return { status: 409, body: errorBody(answer.messages.alreadySubmitted) };
        if (found.expiresAt <= now()) return { status: 410, body: errorBody(answer.messages.expired) };
        runId = found.runId;
        const stored = await suspended.answer(
          runId,
          answer.toolCallId,
          answer.message,
          answer.session.sessionId,
        );
        if (stored === 'missing') return undefined;
        if (stored === 'already_answered' && answer.alreadyKept !== true)
          return { status: 409, body: errorBody(answer.messages.alreadySubmitted) };
      } catch (error) {
        report(error, `storing the answer to ${answer.toolCallId}`);
        return unavailable;
      }
      // Stored: from here the answer is durable, whatever happens to this instance.
      const answering = answer.owner === undefined ? answer.session : undefined;
      const resumed = await resume(runId, answering).catch((error: unknown) => {
        report(error, `resuming run ${runId}`);
        return false;
      });
      return { status: 200, body: { status: 'ok', run_id: runId, resumed } };
    },

    resumeIfAnswered(runId) {
      return resume(runId, undefined, true).catch((error: unknown) => {
        report(error, `resuming run ${runId}`);
        return false;
      });
    },

    start() {
      if (timer !== undefined || closed) return;
      timer = setInterval(() => {
        if (round !== undefined) return;
        round = scan()
          .catch((error: unknown) => report(error, 'suspended run scan'))
          .finally(() => {
            round = undefined;
          });
      }, config.suspendedRunScanIntervalMs);
      timer.unref?.();
    },

    async close() {
      closed = true;
      clearInterval(timer);
      await round;
    },
  };
}
