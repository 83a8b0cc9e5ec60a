/**
 * Runs suspended while they wait for a person or a client: the part of the durable store that
 * lets an approval (or a client-side tool result) arrive hours or days later, on any instance,
 * after every instance was restarted. A suspended run holds no memory and no run slot; its row
 * holds where it stood (request and checkpoint), the calls it waits for, and the answers as
 * they arrive, so an answer acknowledged to its client is durable before the acknowledgement.
 * Times are unix milliseconds; records handed out are copies.
 */

import type { SessionPrincipal } from './principal.js';
import type { JsonObject, JsonValue, ThreadOwner } from './thread-store.js';

/** Why a suspended call waits: a person's decision, or a client-side tool's result. */
export type SuspendedCallKind = 'approval' | 'client_tool';

/** One call a suspended run waits for. */
export interface SuspendedCall {
  /** The model server's id of the call (what the answer names). */
  toolCallId: string;
  kind: SuspendedCallKind;
  /** The value the answer must echo: the tool call id alone is not enough to answer. */
  nonce: string;
  toolName: string;
  /** The answer once given (an approval decision, or a client tool's `{result, error}`). */
  answer?: JsonValue;
  /** The session that answered, when answered. */
  answeredBySession?: string;
}

/** A run suspended in the store. */
export interface SuspendedRun {
  runId: string;
  owner: ThreadOwner;
  /** The session that started the run (it may be gone by the time the run resumes). */
  sessionId: string;
  /**
   * The principal the run acted as (its session's), when it had one: the run resumed in a new
   * session acts as it again, so `server.authorize` sees the same subject, tenant, scopes and
   * claims after the resumption as before it.
   */
  principal?: SessionPrincipal;
  threadId: string | null;
  /** What the run continues from (request, checkpoint, event sequence), opaque to the store. */
  snapshot: JsonObject;
  calls: SuspendedCall[];
  suspendedAt: number;
  /** The calls stop waiting then: unanswered ones are answered "timed out" and the run resumes. */
  expiresAt: number;
}

/** How storing an answer went. */
export type SuspendedAnswerOutcome = 'answered' | 'already_answered' | 'missing';

/** How keeping an answer went: `kept` for the first answer of the call, whichever path it took. */
export type KeptAnswerOutcome = 'kept' | 'already_answered' | 'missing';

/**
 * How claiming the execution of an approved call went: `claimed` for exactly one taker, who runs
 * the tool; `taken` for every other (another path runs it); `unkept` when the call's answer was
 * never kept (no answer slot: no other path can hold the approval, so the taker runs it).
 */
export type ExecutionClaimOutcome = 'claimed' | 'taken' | 'unkept';

/** The claimed execution of a call, as a taker that lost the claim reads it. */
export interface ClaimedExecution {
  /** Who claimed it (`claimExecution`'s `claimer`). */
  claimer: string;
  /** The tool's outcome as its claimer recorded it; absent while it runs (or if it died). */
  outcome?: JsonValue;
}

/**
 * The hold a suspension is written under while its run still ends in memory: until `release`
 * (or `until` passes, should the instance die first), the run cannot be claimed for resumption,
 * though answers to it are stored as usual. A run resumed before the live run let go of its
 * lease and lock would be lost at its start, its answer acknowledged and never applied.
 */
export interface SuspensionHold {
  /** Names the hold; a unique token, never an instance's claimer name. */
  holder: string;
  /** When the hold lapses by itself (unix ms). */
  until: number;
}

/** What a scan of the store found to do. */
export interface DueSuspendedRuns {
  /** Every call answered, and no live claim on it (never claimed, or its claimer went silent). */
  resumable: string[];
  /** Past `expiresAt` with calls still unanswered, and no live claim. */
  expired: string[];
}

/**
 * The suspended runs of one durable store. Every client-caused lookup is owner-scoped: another
 * owner's call reads exactly like a missing one.
 */
export interface SuspendedRunStore {
  /**
   * Stores the run and marks its run record `suspended`; replaces an earlier suspension of it.
   * Answers kept for its calls while it ran (`keepAnswer`) become the calls' answers. With
   * `maxRunsOfOwner`, rejects with `GatewayError('limit_reached')` and stores nothing when the
   * owner has that many other runs suspended (not resumed yet). With `hold`, the run is not
   * claimed (nor `due`) before `release(runId, hold.holder)` or `hold.until`.
   */
  suspend(run: SuspendedRun, limits?: { maxRunsOfOwner?: number }, hold?: SuspensionHold): Promise<void>;
  /**
   * Lifts the hold `suspend` wrote: from now the run is claimed like any other. Does nothing when
   * the hold is not `holder`'s any more (it lapsed and the run was claimed). Idempotent.
   */
  release(runId: string, holder: string): Promise<void>;
  /**
   * Keeps the answer to a call of a running run, before the answer is acknowledged: should the
   * answer not reach the run (the instance that took it died, or the run was suspended as it
   * arrived), the run finds it when it is suspended, resumed or taken over.
   *
   * One slot per call decides between every answer, live or to the suspended run (`answer`
   * takes the same slot): exactly one of several racing answers is `kept`, the others hear
   * `already_answered` and must not be acknowledged. `missing` when the run is not recorded
   * (nothing to decide: its answers cannot outlive it).
   */
  keepAnswer(
    runId: string,
    toolCallId: string,
    answer: JsonValue,
    sessionId: string,
    /** The call's nonce: an answer kept for an earlier call of the same id gives way to it. */
    nonce?: string,
  ): Promise<KeptAnswerOutcome>;
  /** The answers kept for the run's calls, by tool call id. */
  keptAnswers(runId: string): Promise<Map<string, JsonValue>>;
  /**
   * Claims the execution of a call approved through its answer slot, before the tool runs: of
   * every path that holds the approval (the live run, the run resumed from its suspension, on
   * any instance) exactly one gets `claimed` and runs the tool; the others get `taken` and must
   * not run it (they read its outcome with `executionOf`). The claim lives in the call's slot,
   * so a later call that reuses the id (another nonce) starts with a free one.
   */
  claimExecution(runId: string, toolCallId: string, claimer: string): Promise<ExecutionClaimOutcome>;
  /** Records the outcome of an execution `claimer` claimed (JSON); ignored when the claim is not its. */
  recordExecution(runId: string, toolCallId: string, claimer: string, outcome: JsonValue): Promise<void>;
  /** The call's claimed execution, with its outcome once recorded; undefined when unclaimed. */
  executionOf(runId: string, toolCallId: string): Promise<ClaimedExecution | undefined>;
  /** The owner's suspended call named by tool call id and nonce, with its run id; else undefined. */
  findCall(
    owner: ThreadOwner,
    toolCallId: string,
    nonce: string,
  ): Promise<{ runId: string; call: SuspendedCall; expiresAt: number } | undefined>;
  /**
   * The unanswered calls of the owner's run while it is suspended (not resumed yet); undefined
   * when the run is not suspended or not the owner's.
   */
  pendingAnswers(owner: ThreadOwner, runId: string): Promise<SuspendedCall[] | undefined>;
  /**
   * Stores the answer of one call, once: `answered` for exactly one caller when several race,
   * `already_answered` for the others, `missing` when the run or call is gone. It takes the
   * call's slot of `keepAnswer` first, so it loses to an answer kept on the live path even when
   * that one was kept after the suspension was written (the kept answer then becomes the
   * call's answer).
   */
  answer(
    runId: string,
    toolCallId: string,
    answer: JsonValue,
    sessionId: string,
  ): Promise<SuspendedAnswerOutcome>;
  /**
   * Claims the run for `claimer` for `leaseMs` and returns it when it can resume now (every call
   * answered, or past its expiry) and nobody holds a live claim; undefined otherwise. Exactly one
   * of several racing claimers gets it. The run record goes back to `running`.
   */
  claim(runId: string, claimer: string, leaseMs: number, now: number): Promise<SuspendedRun | undefined>;
  /**
   * Marks the run resumed: it is no longer due, nor its thread's waiting run, but its answered
   * calls stay as tombstones until its expiry, so that a repeated answer hears "already
   * submitted" rather than "unknown". Idempotent.
   */
  markResumed(runId: string, now: number): Promise<void>;
  /**
   * Cancels the run while it waits: when it is still suspended and nobody holds a live claim to
   * resume it, its run record becomes `cancelled` (ended at `now`) and the suspension and its
   * calls are forgotten (a later answer finds no call), and resolves true. Exactly one of
   * a cancel and racing resumption claims wins. False when it resumed, ended, or is unknown.
   */
  cancel(runId: string, now: number): Promise<boolean>;
  /** Forgets the run for good (an unreadable one, or a tombstone past its expiry). Idempotent. */
  remove(runId: string): Promise<void>;
  /** Forgets resumed runs whose expiry passed before `now`; resolves how many. */
  purgeResumed(now: number): Promise<number>;
  /**
   * Runs due for resumption, oldest first, at most `limit` of each kind. A call whose answer was
   * kept after its run was suspended counts as answered with it.
   */
  due(now: number, limit: number): Promise<DueSuspendedRuns>;
  /** The id of the thread's suspended run, if it has one. */
  ofThread(threadId: string): Promise<string | undefined>;
}
