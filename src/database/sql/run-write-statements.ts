import type { RunRecordRow, RunStartRecord, RunThreadGuard } from '../../core/thread-store.js';
import { elementOf, jsonElementOf, literalOf, type ArrayElement } from './array-literal.js';
import { MESSAGES_NOT_WRITTEN } from '../../core/thread-store.js';

/** A run's start, or its end with the messages it adds to its thread. */
export type RunWrite =
  | { kind: 'start'; run: RunStartRecord }
  | {
      kind: 'finish';
      run: RunRecordRow & RunThreadGuard;
      firstSeq: number;
      /** The messages the run adds to its thread, as a JSON array (serialized once, by the caller). */
      messagesJson: string;
      messageCount: number;
    };

/**
 * Whether the thread of input row `i` is still the one its run read: the run's owner holds it
 * and, when the run read a generation, it is that one. A thread deleted and created again under
 * the same id (by another owner, or the same) is another thread.
 */
const SAME_THREAD = `EXISTS (SELECT 1 FROM threads t WHERE t.id = i.thread_id
  AND t.api_key_hash = i.api_key_hash AND t.user_id IS NOT DISTINCT FROM i.user_id
  AND (i.thread_epoch IS NULL OR t.history_epoch = i.thread_epoch))`;

/**
 * Whether input row `i`, a completed run's end with messages, cannot write them: its thread is
 * not the one it read (`SAME_THREAD`), or another run wrote one of its places first. The
 * statement's own inserts are not visible to it: it sees what was there before.
 */
const UNWRITTEN = `(i.status = 'completed' AND i.thread_id IS NOT NULL AND i.message_count > 0 AND (NOT ${SAME_THREAD}
  OR EXISTS (SELECT 1 FROM thread_messages m WHERE m.thread_id = i.thread_id
    AND m.seq >= i.first_seq AND m.seq < i.first_seq + i.message_count AND m.run_id IS DISTINCT FROM i.id)))`;

/**
 * The starts of a batch whose id another run has (`RunIdInUseError`), by their ordinal `n`: a
 * record there before the statement (its snapshot: not the statement's own inserts) that is not
 * the same run (owner, thread, start time); or, where no record was there, an earlier start of
 * the batch under the same id of another run (the insert kept the earliest).
 */
const TAKEN_STARTS = `SELECT i.n AS taken FROM input i WHERE i.kind = 'start' AND (
  EXISTS (SELECT 1 FROM runs r WHERE r.id = i.id AND (r.api_key_hash <> i.api_key_hash
    OR r.user_id IS DISTINCT FROM i.user_id OR r.thread_id IS DISTINCT FROM i.thread_id
    OR r.started_at <> i.started_at))
  OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = i.id)
    AND EXISTS (SELECT 1 FROM input j WHERE j.kind = 'start' AND j.id = i.id AND j.n < i.n
    AND (j.api_key_hash <> i.api_key_hash OR j.user_id IS DISTINCT FROM i.user_id
      OR j.thread_id IS DISTINCT FROM i.thread_id OR j.started_at <> i.started_at)))`;

/**
 * Every write of one batch, as one statement. The writes arrive as one array per column
 * (`$1`..`$18`, read side by side by `unnest`, numbered `n`) and their messages as one JSON
 * array `$19` whose `n`-th element is the `n`-th write's: typed arrays cost the server far less
 * than a JSON object per write, which `json_to_recordset` read through a hash table each.
 * Threads that get messages are touched once each (which locks them) and the messages inserted
 * at their positions (a position written already keeps what it has); starts are inserted unless
 * recorded already; ends insert the whole record or complete it (`failed`, `MESSAGES_NOT_WRITTEN`,
 * for a completed run whose messages could not be written: `UNWRITTEN`). A write whose thread is gone,
 * another owner's or of another generation (`SAME_THREAD`) adds no message and no new record;
 * an end still completes a record its start wrote.
 */
export const BATCH_STATEMENT = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::int[], $10::jsonb[], $11::float8[], $12::int8[], $13::int8[],
    $14::int[], $15::int[], $16::int[], $17::text[], $18::text[])
    WITH ORDINALITY AS x(kind, id, thread_id, api_key_hash, user_id, model, status, outcome_code,
      turns, usage, estimated_cost_usd, started_at, ended_at, first_seq, message_count, thread_epoch,
      multitask_strategy, interrupted_run_id, n)
), touched AS (
  UPDATE threads t SET updated_at = greatest(t.updated_at, w.at)
  FROM (SELECT thread_id, api_key_hash, user_id, thread_epoch, max(ended_at) AS at FROM input
        WHERE kind = 'finish' AND thread_id IS NOT NULL AND message_count > 0
        GROUP BY thread_id, api_key_hash, user_id, thread_epoch) w
  WHERE t.id = w.thread_id AND t.api_key_hash = w.api_key_hash AND t.user_id IS NOT DISTINCT FROM w.user_id
    AND (w.thread_epoch IS NULL OR t.history_epoch = w.thread_epoch)
  RETURNING t.id, t.api_key_hash, t.user_id, t.history_epoch
), added AS (
  INSERT INTO thread_messages (thread_id, seq, run_id, message, created_at)
  SELECT i.thread_id, i.first_seq + e.ordinality - 1, i.id, e.value, i.ended_at
  FROM input i JOIN touched ON touched.id = i.thread_id AND touched.api_key_hash = i.api_key_hash
    AND touched.user_id IS NOT DISTINCT FROM i.user_id
    AND (i.thread_epoch IS NULL OR touched.history_epoch = i.thread_epoch)
  JOIN json_array_elements($19::json) WITH ORDINALITY AS m(messages, n) ON m.n = i.n
  CROSS JOIN LATERAL json_array_elements(m.messages) WITH ORDINALITY AS e(value, ordinality)
  WHERE i.kind = 'finish' AND i.message_count > 0
  ON CONFLICT (thread_id, seq) DO NOTHING
), started AS (
  INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, started_at,
    multitask_strategy, interrupted_run_id)
  SELECT i.id, i.thread_id, i.api_key_hash, i.user_id, i.model, 'running', i.started_at,
    i.multitask_strategy, i.interrupted_run_id
  FROM input i
  WHERE i.kind = 'start' AND (i.thread_id IS NULL OR ${SAME_THREAD})
  ON CONFLICT (id) DO NOTHING
), finished AS (
INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, outcome_code, turns, usage,
  estimated_cost_usd, started_at, ended_at, multitask_strategy, interrupted_run_id)
SELECT i.id, i.thread_id, i.api_key_hash, i.user_id, i.model,
  CASE WHEN u.unwritten THEN 'failed' ELSE i.status END,
  CASE WHEN u.unwritten THEN '${MESSAGES_NOT_WRITTEN}' ELSE i.outcome_code END, i.turns,
  i.usage, i.estimated_cost_usd, i.started_at, i.ended_at, i.multitask_strategy, i.interrupted_run_id
FROM input i CROSS JOIN LATERAL (SELECT ${UNWRITTEN} AS unwritten) u
WHERE i.kind = 'finish'
  AND (i.thread_id IS NULL OR ${SAME_THREAD} OR EXISTS (SELECT 1 FROM runs r WHERE r.id = i.id))
ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, outcome_code = EXCLUDED.outcome_code,
  turns = EXCLUDED.turns, usage = EXCLUDED.usage, estimated_cost_usd = EXCLUDED.estimated_cost_usd,
  ended_at = EXCLUDED.ended_at
  WHERE runs.api_key_hash = EXCLUDED.api_key_hash AND runs.user_id IS NOT DISTINCT FROM EXCLUDED.user_id
)
${TAKEN_STARTS}`;

/**
 * The parameters of `BATCH_STATEMENT` for `writes`: a column each, then their messages (an end's
 * as the caller serialized them, spliced in, not serialized again; `[]` for a start).
 */
export function batchParamsOf(writes: readonly RunWrite[]): string[] {
  const count = writes.length;
  const columns: string[][] = Array.from({ length: 18 }, () => new Array<string>(count));
  const messages = new Array<string>(count);
  for (let index = 0; index < count; index += 1) {
    const write = writes[index] as RunWrite;
    const { run } = write;
    const values = startColumnsOf(run);
    let usage = 'NULL';
    if (write.kind === 'finish') {
      const end = write.run;
      values[0] = 'finish';
      values[6] = end.status;
      values[7] = end.outcomeCode;
      values[8] = end.turns;
      if (end.usage !== null) usage = jsonElementOf(JSON.stringify(end.usage));
      values[10] = end.estimatedCostUsd;
      values[12] = end.endedAt ?? Date.now();
      values[13] = write.firstSeq;
      values[14] = write.messageCount;
    }
    for (let column = 0; column < 18; column += 1)
      (columns[column] as string[])[index] = column === 9 ? usage : elementOf(values[column]);
    messages[index] = write.kind === 'finish' ? write.messagesJson : '[]';
  }
  return [...columns.map(literalOf), `[${messages.join(',')}]`];
}

/**
 * A batch of ends of runs without a thread (most single-message chats) as one statement: their
 * records inserted whole or completed, read from one JSON array (`$1`) holding an array per run,
 * its columns in the order of `threadlessEndsParamsOf`. Nothing to check against a thread and no
 * message to add: far less for the server to plan and run than `BATCH_STATEMENT`, whose thread
 * and message parts would find nothing to do. One `JSON.stringify` of the batch is the least the
 * gateway's event loop can do per run (an array literal per column cost it twice as much); the
 * server, on its own process, takes the rows apart.
 */
const THREADLESS_ENDS_INSERT = `
INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, outcome_code, turns, usage,
  estimated_cost_usd, started_at, ended_at, multitask_strategy, interrupted_run_id)
SELECT r->>0, NULL, r->>1, r->>2, r->>3, r->>4, r->>5, (r->>6)::int, NULLIF(r->7, 'null'::jsonb),
  (r->>8)::float8, (r->>9)::int8, (r->>10)::int8, r->>11, r->>12
FROM jsonb_array_elements($1::jsonb) AS x(r)`;
/** `THREADLESS_ENDS_INSERT` that completes a record written already (its start's). */
export const THREADLESS_ENDS_STATEMENT = `${THREADLESS_ENDS_INSERT}
ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, outcome_code = EXCLUDED.outcome_code,
  turns = EXCLUDED.turns, usage = EXCLUDED.usage, estimated_cost_usd = EXCLUDED.estimated_cost_usd,
  ended_at = EXCLUDED.ended_at
  WHERE runs.api_key_hash = EXCLUDED.api_key_hash AND runs.user_id IS NOT DISTINCT FROM EXCLUDED.user_id`;

/**
 * `THREADLESS_ENDS_STATEMENT` for ends none of whose records exists yet (their starts were
 * never written: held back, then folded into the end): a plain insert, which costs the server
 * less per row than the upsert's speculative insertion (~2-3 µs of its ~22). Should a record
 * exist after all, the statement fails as a whole, writing nothing, and the batch sends the
 * upsert instead.
 */
export const THREADLESS_NEW_ENDS_STATEMENT = THREADLESS_ENDS_INSERT;

/** Whether `writes` are all ends of runs without a thread (`THREADLESS_ENDS_STATEMENT`). */
export const allThreadlessEnds = (writes: readonly RunWrite[]): boolean =>
  writes.every((write) => write.kind === 'finish' && write.run.threadId === null);

/**
 * The parameter of `THREADLESS_ENDS_STATEMENT` for `writes` (see `allThreadlessEnds`): one JSON
 * array holding, per run, its id, key hash, user, model, status, outcome code, turns, usage,
 * estimated cost, start, end, multitask strategy and interrupted run (a missing value as null).
 */
export function threadlessEndsParamsOf(writes: readonly RunWrite[]): [string] {
  const rows = new Array<unknown[]>(writes.length);
  for (let index = 0; index < writes.length; index += 1) {
    const { run } = writes[index] as RunWrite & { kind: 'finish' };
    rows[index] = [
      run.id,
      run.owner.apiKeyHash,
      run.owner.user ?? null,
      run.model,
      run.status,
      run.outcomeCode,
      run.turns,
      run.usage,
      run.estimatedCostUsd,
      run.startedAt,
      run.endedAt ?? Date.now(),
      run.multitask?.strategy ?? null,
      run.multitask?.interruptedRunId ?? null,
    ];
  }
  return [JSON.stringify(rows)];
}

/** A start's columns in `BATCH_STATEMENT`'s order (an end's own columns null). */
function startColumnsOf(run: RunStartRecord): ArrayElement[] {
  return [
    'start',
    run.id,
    run.threadId,
    run.owner.apiKeyHash,
    run.owner.user ?? null,
    run.model,
    null,
    null,
    null,
    null,
    null,
    run.startedAt,
    null,
    null,
    null,
    run.threadEpoch ?? null,
    run.multitask?.strategy ?? null,
    run.multitask?.interruptedRunId ?? null,
  ];
}

/** `SAME_THREAD` for one write: thread `$2`, owner `$3`/`$4`, generation `$epoch`. */
const sameThread = (epoch: string): string => `EXISTS (SELECT 1 FROM threads WHERE id = $2::text
  AND api_key_hash = $3::text AND user_id IS NOT DISTINCT FROM $4::text
  AND (${epoch}::int IS NULL OR history_epoch = ${epoch}::int))`;

/** A start alone: the record inserted unless written already (or its thread is not held). */
const START_STATEMENT = `
WITH started AS (
  INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, started_at,
    multitask_strategy, interrupted_run_id)
  SELECT $1::text, $2::text, $3, $4, $5, 'running', $6, $8::text, $9::text
  WHERE $2::text IS NULL OR ${sameThread('$7')}
  ON CONFLICT (id) DO NOTHING
)
SELECT r.id AS taken FROM runs r WHERE r.id = $1::text
  AND (r.api_key_hash <> $3::text OR r.user_id IS DISTINCT FROM $4::text
    OR r.thread_id IS DISTINCT FROM $2::text OR r.started_at <> $6::int8)`;

/** An end alone: as the batch statement does it, for one run (cheaper to plan). */
const FINISH_STATEMENT = `
WITH thread AS (
  UPDATE threads SET updated_at = greatest(updated_at, $12)
  WHERE id = $2::text AND $14::int > 0 AND api_key_hash = $3::text
    AND user_id IS NOT DISTINCT FROM $4::text AND ($16::int IS NULL OR history_epoch = $16::int)
  RETURNING id
), added AS (
  INSERT INTO thread_messages (thread_id, seq, run_id, message, created_at)
  SELECT thread.id, $13::int + ordinality - 1, $1::text, value, $12
  FROM thread, json_array_elements($15::json) WITH ORDINALITY
  ON CONFLICT (thread_id, seq) DO NOTHING
)
INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, outcome_code, turns,
  usage, estimated_cost_usd, started_at, ended_at, multitask_strategy, interrupted_run_id)
SELECT $1::text, $2::text, $3, $4, $5,
  CASE WHEN u.unwritten THEN 'failed' ELSE $6::text END,
  CASE WHEN u.unwritten THEN '${MESSAGES_NOT_WRITTEN}' ELSE $7::text END,
  $8, $9::jsonb, $10, $11, $12, $17::text, $18::text
FROM (SELECT ($6::text = 'completed' AND $2::text IS NOT NULL AND $14::int > 0 AND (NOT ${sameThread('$16')}
  OR EXISTS (SELECT 1 FROM thread_messages WHERE thread_id = $2::text AND seq >= $13::int
    AND seq < $13::int + $14::int AND run_id IS DISTINCT FROM $1::text))) AS unwritten) u
WHERE $2::text IS NULL OR ${sameThread('$16')} OR EXISTS (SELECT 1 FROM runs WHERE id = $1::text)
ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, outcome_code = EXCLUDED.outcome_code,
  turns = EXCLUDED.turns, usage = EXCLUDED.usage,
  estimated_cost_usd = EXCLUDED.estimated_cost_usd, ended_at = EXCLUDED.ended_at
  WHERE runs.api_key_hash = EXCLUDED.api_key_hash AND runs.user_id IS NOT DISTINCT FROM EXCLUDED.user_id`;

/** A single write as its own statement and parameters. */
export function statementOf(write: RunWrite): [string, unknown[], string] {
  const { run } = write;
  const start = [run.id, run.threadId, run.owner.apiKeyHash, run.owner.user ?? null, run.model];
  const epoch = run.threadEpoch ?? null;
  if (write.kind === 'start') {
    const multitask = [run.multitask?.strategy ?? null, run.multitask?.interruptedRunId ?? null];
    return [START_STATEMENT, [...start, run.startedAt, epoch, ...multitask], 'agw_run_start'];
  }
  const end = write.run;
  return [
    FINISH_STATEMENT,
    [
      ...start,
      end.status,
      end.outcomeCode,
      end.turns,
      end.usage === null ? null : JSON.stringify(end.usage),
      end.estimatedCostUsd,
      end.startedAt,
      end.endedAt ?? Date.now(),
      write.firstSeq,
      write.messageCount,
      write.messagesJson,
      epoch,
      run.multitask?.strategy ?? null,
      run.multitask?.interruptedRunId ?? null,
    ],
    'agw_run_finish',
  ];
}
