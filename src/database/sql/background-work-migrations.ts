/**
 * The SQL of the migrations for work the gateway does in the background: background runs and
 * their webhook outbox, schedules, their fires and heartbeat ticks, queued runs. `MIGRATIONS`
 * (in `migrations.ts`) numbers and orders them; their text is part of the template cluster's key,
 * so it never changes once released.
 */

/**
 * Background runs (`POST /runs`): who started each (its session, for its stream, cancel and
 * approvals), its metadata and webhook; `notified_at` once its end notification is in the
 * outbox. The outbox holds each notification once (`id` is the `webhook-id`, derived from the
 * run), claimed by one instance at a time and retried until `given_up_at`. Rows outlive their
 * run record on purpose: a notification is delivered even if its thread is deleted meanwhile.
 */
export const createBackgroundRuns = `
CREATE TABLE background_runs (
  run_id text PRIMARY KEY,
  api_key_hash text NOT NULL,
  user_id text,
  session_id text NOT NULL,
  thread_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  webhook_url text,
  webhook_secret text,
  schedule_id text,
  created_at bigint NOT NULL,
  notified_at bigint
);
CREATE INDEX background_runs_to_notify ON background_runs (created_at)
  WHERE webhook_url IS NOT NULL AND notified_at IS NULL;
CREATE INDEX runs_by_owner_recent ON runs (api_key_hash, user_id, started_at DESC, id DESC);

CREATE TABLE webhook_outbox (
  id text PRIMARY KEY,
  run_id text NOT NULL,
  url text NOT NULL,
  secret text,
  payload json NOT NULL,
  created_at bigint NOT NULL,
  next_attempt_at bigint NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  claimed_by text,
  claim_until bigint,
  delivered_at bigint,
  given_up_at bigint,
  last_error text
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
  WHERE delivered_at IS NULL AND given_up_at IS NULL;
`;

/**
 * Schedules: a cron in a time zone, the message each fire sends and where (a thread, a new one
 * each time, or none), and the next fire time, which the instance that claims a fire moves on
 * in the same transaction (`next_fire_at` NULL once the schedule ended).
 */
export const createSchedules = `
CREATE TABLE schedules (
  id text PRIMARY KEY,
  api_key_hash text NOT NULL,
  user_id text,
  cron text NOT NULL,
  timezone text NOT NULL,
  thread_id text,
  new_thread_each_time boolean NOT NULL DEFAULT false,
  message text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  webhook_url text,
  webhook_secret text,
  enabled boolean NOT NULL,
  end_at bigint,
  next_fire_at bigint,
  last_fired_at bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE enabled AND next_fire_at IS NOT NULL;
CREATE INDEX schedules_by_owner ON schedules (api_key_hash, user_id, created_at DESC, id DESC);
`;

/**
 * One row per fire of a schedule, unique on (schedule, due time): the claim of a fire is this
 * row's insert, in the transaction that moves the schedule's next fire time on, so a fire is
 * claimed once in the database however many instances look. `run_id` is fixed at the claim
 * (derived from the schedule and the due time); `fired_at` is set once the run started (or the
 * fire was skipped or failed): a row without it whose `claim_until` passed belonged to an
 * instance that died, and is claimed again. Deleting a schedule deletes its fires.
 * `heartbeat_ticks`: the same for the ticks of a `HeartbeatLoop` shared by a cluster, one row
 * per (heartbeat, tick number): the claim of the next tick is its insert.
 */
export const createScheduleFires = `
CREATE TABLE schedule_fires (
  schedule_id text NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  due_at bigint NOT NULL,
  claimed_by text NOT NULL,
  claimed_at bigint NOT NULL,
  claim_until bigint NOT NULL,
  run_id text NOT NULL,
  fired_at bigint,
  status text NOT NULL DEFAULT 'claimed',
  error text,
  PRIMARY KEY (schedule_id, due_at)
);
CREATE INDEX schedule_fires_unsettled ON schedule_fires (claim_until) WHERE fired_at IS NULL;

CREATE TABLE heartbeat_ticks (
  name text NOT NULL,
  tick integer NOT NULL,
  claimed_by text NOT NULL,
  claimed_at bigint NOT NULL,
  claim_until bigint NOT NULL,
  finished_at bigint,
  outcome text,
  consecutive_errors integer NOT NULL DEFAULT 0,
  next_due_at bigint,
  PRIMARY KEY (name, tick)
);
`;

/**
 * A run's webhook events get a column of their own (they were kept in `metadata` under the key
 * `$webhook_events`, moved out here), and a run record says how its message was taken while
 * its session's run worked (`multitask`): the strategy, and the run it interrupted or rolled
 * back.
 */
export const webhookEventsAndMultitask = `
ALTER TABLE background_runs ADD COLUMN webhook_events jsonb;
UPDATE background_runs SET webhook_events = metadata -> '$webhook_events',
  metadata = metadata - '$webhook_events'
  WHERE metadata ? '$webhook_events';
ALTER TABLE runs ADD COLUMN multitask_strategy text;
ALTER TABLE runs ADD COLUMN interrupted_run_id text;
`;

/**
 * A fire whose run failed to start is retried (`server.schedules.startAttempts`): the count of
 * its failed starts, so that every instance that retakes it knows when to give up.
 */
export const addFailedStarts = `
ALTER TABLE schedule_fires ADD COLUMN failed_starts integer NOT NULL DEFAULT 0;
`;

/**
 * Runs enqueued while their session's run works (`multitask: 'enqueue'`), kept until they start
 * so that they outlive the instance that accepted them: claimed (`claimed_by`, `claim_until`,
 * renewed while the instance waits) like a suspended run's resumption.
 */
export const createQueuedRuns = `
CREATE TABLE queued_runs (
  run_id text PRIMARY KEY,
  api_key_hash text NOT NULL,
  user_id text,
  session_id text NOT NULL,
  thread_id text,
  schedule_id text,
  request json NOT NULL,
  queued_at bigint NOT NULL,
  claimed_by text NOT NULL,
  claim_until bigint NOT NULL
);
CREATE INDEX queued_runs_by_session ON queued_runs (session_id, queued_at, run_id);
CREATE INDEX queued_runs_by_claim ON queued_runs (claim_until);
`;

/**
 * The answers of background runs (the text of the final assistant message, bounded, and whether
 * it was cut), written before the run's end, for `GET /runs/:id` and `run.ended`. A table of its
 * own, keyed by run, so that the answer is written whenever the run ends, whether or not its
 * background record or its run record is written yet; an answer of a thread goes with it.
 */
export const createRunOutputs = `
CREATE TABLE run_outputs (
  run_id text PRIMARY KEY,
  thread_id text REFERENCES threads (id) ON DELETE CASCADE,
  output text NOT NULL,
  truncated boolean NOT NULL
);
CREATE INDEX run_outputs_by_thread ON run_outputs (thread_id) WHERE thread_id IS NOT NULL;
`;

/**
 * A schedule keeps the principal that created it (issuer, subject, tenant, scopes and claims,
 * refreshed when its owner calls the schedule routes again), which each fire acts as; and, for
 * an owner that is an anonymous session, when that session expires: from then on nobody can
 * reach the schedule, so it is paused rather than fired.
 */
export const addSchedulePrincipal = `
ALTER TABLE schedules ADD COLUMN principal json;
ALTER TABLE schedules ADD COLUMN owner_expires_at bigint;
`;

/**
 * A suspended run keeps the principal it acted as (issuer, subject, tenant, scopes and claims),
 * so that the run resumed from the database, in a new session, acts as that principal again.
 */
export const addSuspendedRunPrincipal = `
ALTER TABLE suspended_runs ADD COLUMN principal json;
`;

/**
 * A deleted thread takes its background runs with it: their records (metadata, webhook target)
 * and their webhook notifications, delivered or not (a `run.ended` carries the run's answer).
 * Neither table has a foreign key to `threads`, so a trigger does what a cascade would, once
 * per statement that deletes threads (a thread deleted by its owner, the retention sweep), with
 * two indexes so that neither of its deletes scans its table. A notification still waiting for
 * its receiver is not sent after its thread is gone. (Its function's semicolons sit mid-line from
 * when the runner split at every line-ending `;`; `splitSqlStatements` now skips dollar quotes.)
 */
export const forgetRunsOfDeletedThreads = `
CREATE INDEX background_runs_by_thread ON background_runs (thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX webhook_outbox_by_run ON webhook_outbox (run_id);
CREATE FUNCTION forget_background_runs_of_deleted_threads() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
  WITH forgotten AS (
    DELETE FROM background_runs WHERE thread_id IN (SELECT id FROM deleted_threads) RETURNING run_id)
  DELETE FROM webhook_outbox WHERE run_id IN (SELECT run_id FROM forgotten); RETURN NULL; END $$;
CREATE TRIGGER threads_forget_background_runs AFTER DELETE ON threads
  REFERENCING OLD TABLE AS deleted_threads FOR EACH STATEMENT
  EXECUTE FUNCTION forget_background_runs_of_deleted_threads();
`;
