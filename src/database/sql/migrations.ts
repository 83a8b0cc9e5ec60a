import {
  addFailedStarts,
  addSchedulePrincipal,
  addSuspendedRunPrincipal,
  createBackgroundRuns,
  createQueuedRuns,
  createRunOutputs,
  createScheduleFires,
  createSchedules,
  forgetRunsOfDeletedThreads,
  webhookEventsAndMultitask,
} from './background-work-migrations.js';
import { addApprovalRequestKind, createApprovalInbox } from './approval-inbox-migration.js';
import { createBudgets, indexBudgetLedgerByTime } from './budget-migration.js';

/**
 * The thread store's schema, as numbered migrations applied in order and recorded in
 * `schema_migrations`. A released migration is never edited: a change is a new number.
 *
 * Messages are `json` (from version 3), not `jsonb`: kept as the text the gateway wrote (key
 * order, and `\u0000` in a tool result, which `jsonb` refuses) and returned without conversion;
 * nothing queries inside them. Times are unix milliseconds (`bigint`). A thread's owner is (`api_key_hash`, `user_id`), with
 * `user_id` NULL for the key itself. Deleting a thread cascades to its messages, its runs and
 * their approvals. A thread's `history_epoch` (from version 6) changes whenever messages are
 * taken out of its history, so a process that cached the history reads it whole again.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const createTables = `
CREATE TABLE threads (
  id text PRIMARY KEY,
  api_key_hash text NOT NULL,
  user_id text,
  title text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX threads_by_owner_recent ON threads (api_key_hash, user_id, updated_at DESC, id DESC);

CREATE TABLE thread_messages (
  thread_id text NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 0),
  run_id text,
  message jsonb NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (thread_id, seq)
);

CREATE TABLE runs (
  id text PRIMARY KEY,
  thread_id text REFERENCES threads (id) ON DELETE CASCADE,
  api_key_hash text NOT NULL,
  user_id text,
  model text NOT NULL,
  status text NOT NULL,
  outcome_code text,
  turns integer NOT NULL DEFAULT 0,
  usage jsonb,
  estimated_cost_usd double precision,
  started_at bigint NOT NULL,
  ended_at bigint
);
CREATE INDEX runs_by_thread_recent ON runs (thread_id, started_at DESC, id DESC);
CREATE INDEX runs_by_owner_day ON runs (api_key_hash, user_id, started_at);

CREATE TABLE approvals (
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  tool_call_id text NOT NULL,
  ordinal bigserial,
  tool_name text NOT NULL,
  input_hash text NOT NULL,
  decision text NOT NULL,
  always_allow boolean NOT NULL,
  answered_by_key text NOT NULL,
  answered_by_user text,
  answered_by_session text,
  answered_at bigint NOT NULL,
  PRIMARY KEY (run_id, tool_call_id)
);
`;

/**
 * Billing per key and end user: one row per (api_key_hash, user_id, UTC day the run started)
 * with the number of runs, their token counts and estimated cost in US dollars. Runs still
 * going count with the usage recorded so far (none until they end).
 */
const createUsageView = `
CREATE VIEW run_usage_by_owner AS
SELECT
  api_key_hash,
  user_id,
  (to_timestamp(started_at / 1000.0) AT TIME ZONE 'UTC')::date AS day,
  count(*)::bigint AS runs,
  coalesce(sum((usage ->> 'input_tokens')::bigint), 0)::bigint AS input_tokens,
  coalesce(sum((usage ->> 'output_tokens')::bigint), 0)::bigint AS output_tokens,
  coalesce(sum((usage ->> 'cache_creation_input_tokens')::bigint), 0)::bigint AS cache_creation_input_tokens,
  coalesce(sum((usage ->> 'cache_read_input_tokens')::bigint), 0)::bigint AS cache_read_input_tokens,
  coalesce(sum(estimated_cost_usd), 0)::double precision AS estimated_cost_usd
FROM runs
GROUP BY api_key_hash, user_id, (to_timestamp(started_at / 1000.0) AT TIME ZONE 'UTC')::date;
`;

/**
 * Runs suspended while they wait for a person or a client: where each stood (`snapshot`) and
 * the calls it waits for, whose `answer` is written once, before the answer is acknowledged.
 * Deleting the run (with its thread) deletes its suspension.
 */
const createSuspendedRuns = `
CREATE TABLE suspended_runs (
  run_id text PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  api_key_hash text NOT NULL,
  user_id text,
  session_id text NOT NULL,
  thread_id text,
  snapshot json NOT NULL,
  suspended_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  claimed_by text,
  claim_until bigint,
  resumed_at bigint
);
CREATE INDEX suspended_runs_by_thread ON suspended_runs (thread_id);
CREATE INDEX suspended_runs_by_age ON suspended_runs (suspended_at);

CREATE TABLE suspended_calls (
  run_id text NOT NULL REFERENCES suspended_runs (run_id) ON DELETE CASCADE,
  tool_call_id text NOT NULL,
  kind text NOT NULL,
  nonce text NOT NULL,
  tool_name text NOT NULL,
  answer json,
  answered_by_session text,
  PRIMARY KEY (run_id, tool_call_id)
);
CREATE INDEX suspended_calls_by_nonce ON suspended_calls (nonce);

CREATE TABLE kept_answers (
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  tool_call_id text NOT NULL,
  answer json NOT NULL,
  answered_by_session text NOT NULL,
  PRIMARY KEY (run_id, tool_call_id)
);
`;

/**
 * A thread's tenant key (a hash of its principal's issuer and tenant, never the tenant itself),
 * for `GET /threads?scope=tenant`. Threads of before it keep NULL: the hash cannot be derived
 * from the stored owner, so they stay listed to their owner only (not shared).
 */
const addThreadTenantKey = `
ALTER TABLE threads ADD COLUMN tenant_key text;
CREATE INDEX threads_by_tenant ON threads (tenant_key, updated_at DESC, id DESC) WHERE tenant_key IS NOT NULL;
`;

/**
 * Fewer indexes to keep up per run: `runs_by_owner_recent` serves what `runs_by_owner_day` did
 * (same leading columns), and runs without a thread (most single-message chats) stay out of the
 * thread index, which only `thread_id = $1` reads use.
 */
const leanerRunIndexes = `
DROP INDEX runs_by_owner_day;
DROP INDEX runs_by_thread_recent;
CREATE INDEX runs_by_thread_recent ON runs (thread_id, started_at DESC, id DESC) WHERE thread_id IS NOT NULL;
`;

/**
 * ANALYZE of `runs` (autovacuum's: about once a minute on a busy gateway, whose table grows by
 * more than a tenth a minute) keeps statistics only for the columns that reads find, order or
 * group runs by (id, thread, owner, status, start). No statement filters on the others, so their
 * statistics informed no plan, and computing them (sorting the sample's `usage` documents above
 * all) was about a third of what each ANALYZE cost the server.
 */
const leanRunStatistics = `
ALTER TABLE runs
  ALTER COLUMN model SET STATISTICS 0,
  ALTER COLUMN outcome_code SET STATISTICS 0,
  ALTER COLUMN turns SET STATISTICS 0,
  ALTER COLUMN usage SET STATISTICS 0,
  ALTER COLUMN estimated_cost_usd SET STATISTICS 0,
  ALTER COLUMN ended_at SET STATISTICS 0,
  ALTER COLUMN multitask_strategy SET STATISTICS 0,
  ALTER COLUMN interrupted_run_id SET STATISTICS 0;
`;

/**
 * Sessions ended early (logout), each kept until its token expires: a restart that forgets the
 * sessions kept in memory still refuses their tokens. Swept by expiry.
 */
const createSessionRevocations = `
CREATE TABLE session_revocations (
  session_id text PRIMARY KEY,
  expires_at bigint NOT NULL
);
CREATE INDEX session_revocations_by_expiry ON session_revocations (expires_at);
`;

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'threads, messages, runs, approvals', sql: createTables },
  { version: 2, name: 'billing view run_usage_by_owner', sql: createUsageView },
  {
    version: 3,
    name: 'messages kept as written (json)',
    sql: 'ALTER TABLE thread_messages ALTER COLUMN message TYPE json USING message::json;\n',
  },
  {
    version: 4,
    name: 'threads by last update, for the retention sweep',
    sql: 'CREATE INDEX threads_by_updated ON threads (updated_at);\n',
  },
  { version: 5, name: 'runs suspended while they wait for an answer', sql: createSuspendedRuns },
  {
    version: 6,
    name: 'thread history epochs, for reading histories incrementally',
    sql: 'ALTER TABLE threads ADD COLUMN history_epoch integer NOT NULL DEFAULT 0;\n',
  },
  {
    version: 7,
    name: 'kept answers name their call by its nonce (one answer slot per call)',
    sql: 'ALTER TABLE kept_answers ADD COLUMN nonce text;\n',
  },
  { version: 8, name: 'background runs and their webhook outbox', sql: createBackgroundRuns },
  { version: 9, name: 'schedules', sql: createSchedules },
  {
    version: 10,
    name: 'approvals record the answering principal (issuer, tenant, subject)',
    sql: 'ALTER TABLE approvals ADD COLUMN answered_by_principal json;\n',
  },
  { version: 11, name: 'schedule fires and heartbeat ticks, each claimed once', sql: createScheduleFires },
  {
    version: 12,
    name: 'webhook events in a column of their own; runs record their multitask strategy',
    sql: webhookEventsAndMultitask,
  },
  {
    version: 13,
    name: 'threads keep their tenant key, for listing tenant-shared threads',
    sql: addThreadTenantKey,
  },
  { version: 14, name: 'schedule fires count their failed starts, for retries', sql: addFailedStarts },
  { version: 15, name: 'queued runs, kept until they start', sql: createQueuedRuns },
  {
    version: 16,
    name: 'runs: one owner index, and the thread index for runs with a thread only',
    sql: leanerRunIndexes,
  },
  {
    version: 17,
    name: 'background runs keep their answer (bounded, with a flag when cut)',
    sql: createRunOutputs,
  },
  {
    version: 18,
    name: 'schedules keep the principal they act as, and when an anonymous owner expires',
    sql: addSchedulePrincipal,
  },
  {
    version: 19,
    name: 'the approvals inbox: every approval asked, and its answer',
    sql: createApprovalInbox,
  },
  {
    version: 20,
    name: 'suspended runs keep the principal they act as',
    sql: addSuspendedRunPrincipal,
  },
  {
    version: 21,
    name: 'the approvals inbox lists client-side tools too: each row has its kind',
    sql: addApprovalRequestKind,
  },
  {
    version: 22,
    name: 'runs keep statistics only of the columns reads filter, order or group on',
    sql: leanRunStatistics,
  },
  {
    version: 23,
    name: 'an approved call is executed once: its answer slot holds the claim and the outcome',
    sql: 'ALTER TABLE kept_answers ADD COLUMN executed_by text;\nALTER TABLE kept_answers ADD COLUMN execution json;\n',
  },
  {
    version: 24,
    name: 'sessions ended early (logout), kept until their tokens expire',
    sql: createSessionRevocations,
  },
  {
    version: 25,
    name: 'budgets: counters, reservations, the spend ledger and runtime limit overrides',
    sql: createBudgets,
  },
  { version: 26, name: 'the budget ledger indexed by time alone', sql: indexBudgetLedgerByTime },
  { version: 27, name: 'a deleted thread takes its background runs', sql: forgetRunsOfDeletedThreads },
];
