/**
 * Background runs: runs started with `POST /runs`, which nobody has to follow, and the
 * durable outbox of the webhooks that tell their end. Kept in the same database as threads and
 * run records, so that a run's end and its notification survive every instance's death: the
 * notification of an ended run is put in the outbox by whichever instance sees it first (one
 * id per event, whoever writes it), and delivered by whichever instance claims it.
 * Times are unix milliseconds; records handed out are copies.
 */

import type { JsonObject, Page, RunRecordRow, RunStatus, ThreadOwner } from './thread-store.js';

/** The events a webhook may ask for: the run's end, each approval it asks for, and each that expired. */
export const WEBHOOK_EVENTS = ['run.ended', 'run.approval_requested', 'run.approval_expired'] as const;
/** One event a webhook may ask for. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Where a run's notifications go: the URL, and the secret that signs them (else the server's). */
export interface WebhookTarget {
  url: string;
  /** Standard Webhooks secret (`whsec_...`); absent: `server.webhooks.secret` signs. */
  secret?: string;
  /** The events it is told of; absent: only `run.ended`. */
  events?: WebhookEvent[];
}

/** An approval a background run asked for, as its `run.approval_requested` tells it. */
export interface ApprovalWaitedOn {
  toolCallId: string;
  toolName: string;
  /** When it was asked and when it expires (unix ms). */
  requestedAt: number;
  expiresAt: number;
  /** What the notification tells: that it was requested, or that it expired without an answer. */
  event: 'run.approval_requested' | 'run.approval_expired';
}

/** A background run as recorded when it starts. */
export interface BackgroundRunRecord {
  runId: string;
  owner: ThreadOwner;
  /** The session the run runs in: its stream, its cancel and its approvals go through it. */
  sessionId: string;
  threadId: string | null;
  /** The caller's own data about the run, returned as given. */
  metadata: JsonObject;
  webhook?: WebhookTarget;
  /** The schedule that fired the run, if one did. */
  scheduleId?: string;
  createdAt: number;
  /** The run's answer, once it ended (`recordOutput`); absent before, or when it wrote none. */
  output?: RunOutput;
}

/**
 * A background run's answer as kept: the text of its final assistant message, at most
 * `MAX_RUN_OUTPUT_CHARS` characters, and whether it was cut to fit.
 */
export interface RunOutput {
  text: string;
  truncated: boolean;
}

/** What `GET /runs` filters on. */
export interface RunListFilter {
  threadId?: string;
  status?: RunStatus;
}

/** One notification waiting in the outbox, as claimed for delivery. */
export interface WebhookDelivery {
  /** The `webhook-id`: the same for every attempt, on every instance. */
  id: string;
  runId: string;
  url: string;
  /** The run's own secret; null when the server's signs. */
  secret: string | null;
  /** The JSON body, exactly what is signed and sent. */
  payload: JsonObject;
  /** Attempts made before this one. */
  attempts: number;
  createdAt: number;
  /**
   * The owner of the notification's run, whose deliveries share one fair part of an instance's
   * places however many receivers they go to; undefined when the run's record is gone.
   */
  owner?: ThreadOwner;
}

/**
 * A notification that belongs to no run (a budget's `budget.threshold_reached`), put into the
 * outbox by `enqueueNotice`: its `id` says which event it tells, so a second writer's is dropped.
 */
export interface StandaloneNotice {
  /** The `webhook-id`, derived from what the notification is about (one per budget window). */
  id: string;
  /** What it is about, in the outbox's run column and the logs (e.g. `budget:tenant:acme`). */
  subject: string;
  url: string;
  /** Null: `server.webhooks.secret` signs. */
  secret: string | null;
  payload: JsonObject;
  /** When it was written (unix ms); it is due at once. */
  at: number;
}

/** What became of one delivery attempt. */
export type WebhookAttemptOutcome =
  { delivered: true } | { delivered: false; error: string; nextAttemptAt: number | null };

/** Background runs and their webhook outbox. Every method may reject with `store_unavailable`. */
export interface BackgroundRunStore {
  /** Records a started background run; a second record of the same run id is ignored. */
  record(run: BackgroundRunRecord): Promise<void>;
  /**
   * Keeps the run's answer, before its end is recorded: what reads the run once it ended
   * (`GET /runs/:id`, the `run.ended` notification) finds it. Written whether or not the
   * background record is written yet; deleted with `threadId`'s thread (an answer of a thread
   * deleted meanwhile is not kept). A store without it keeps no answers (they read as null).
   */
  recordOutput?(runId: string, threadId: string | null, output: RunOutput): Promise<void>;
  /** The owner's background run, or undefined (another owner's reads as missing). */
  get(owner: ThreadOwner, runId: string): Promise<BackgroundRunRecord | undefined>;
  /**
   * The owner's runs (background or not), newest first, filtered; the cursor is opaque and
   * invalid ones are `invalid_option` errors.
   */
  listRuns(
    owner: ThreadOwner,
    filter: RunListFilter,
    page: { limit: number; cursor?: string },
  ): Promise<Page<RunRecordRow>>;
  /**
   * Puts the end notification of every background run with a webhook that has ended (its run
   * record says so) and has none yet into the outbox, up to `limit` runs, with the body
   * `payloadOf` makes; resolves how many.
   * Atomic per run across instances: each ended run gets exactly one notification, whose id is
   * derived from the run id.
   */
  enqueueEnded(
    now: number,
    limit: number,
    payloadOf: (run: RunRecordRow, background: BackgroundRunRecord) => JsonObject,
  ): Promise<number>;
  /**
   * Puts a `run.approval_requested` notification into the outbox for every approval a
   * background run asked for (listed in the inbox, unanswered and not expired, whether its run
   * still waits live or is suspended) whose webhook asked for that event and that has none yet,
   * and a `run.approval_expired` one for every such approval that expired without an answer
   * (its run not cancelled) whose webhook asked for that, up to `limit`, with the body `payloadOf` makes; resolves how many. Each
   * approval gets exactly one notification across instances: its id is derived from the run
   * id and the tool call id.
   */
  enqueueApprovalRequests(
    now: number,
    limit: number,
    payloadOf: (background: BackgroundRunRecord, approval: ApprovalWaitedOn) => JsonObject,
  ): Promise<number>;
  /**
   * Puts a notification of no run into the outbox unless one with its id is there already
   * (whichever instance wrote it); resolves whether this call wrote it. Delivered, retried and
   * claimed like every other notification. A store without it sends none.
   */
  enqueueNotice?(notice: StandaloneNotice): Promise<boolean>;
  /**
   * Claims up to `limit` notifications due at `now` and not claimed by anyone (or whose claim
   * lapsed) for `claimer`, until `now + claimForMs`. Two instances never hold the same claim.
   */
  claimDue(claimer: string, now: number, claimForMs: number, limit: number): Promise<WebhookDelivery[]>;
  /**
   * Records an attempt of a claimed notification: delivered, or failed and due again at
   * `nextAttemptAt` (null: given up). Ignored when `claimer` no longer holds the claim.
   */
  settle(id: string, claimer: string, now: number, outcome: WebhookAttemptOutcome): Promise<void>;
  /**
   * Puts claimed notifications back unattempted (their attempt count unchanged), due again at
   * `nextAttemptAt`: the sender claimed them while their target already had all the
   * deliveries in flight it may. Ignored for those `claimer` no longer holds.
   */
  release(ids: readonly string[], claimer: string, nextAttemptAt: number): Promise<void>;
}
