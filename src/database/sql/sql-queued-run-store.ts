import { capOwnerKey } from '../../core/cap-owner.js';
import type {
  QueueBoundReached,
  QueueBounds,
  QueuedRunRecord,
  QueuedRunStore,
} from '../../core/queued-run-store.js';
import { THREAD_LIMITS } from '../../core/thread-limits.js';
import type { JsonObject, Page } from '../../core/thread-store.js';
import { clampLimit, keysetPage } from './page-cursor.js';
import { ownerPageQuery } from './owner-page-query.js';
import { selectOwnedRow } from './select-owned-row.js';
import type { SqlEngine, SqlQueryable } from './sql-engine.js';
import { capOwnerCondition, ownerCondition } from './sql-rows.js';
import { failClosed } from './store-errors.js';

/** A `queued_runs` row as read. */
interface QueuedRunRow {
  run_id: string;
  api_key_hash: string;
  user_id: string | null;
  session_id: string;
  thread_id: string | null;
  schedule_id: string | null;
  request: JsonObject;
  queued_at: number;
}

const COLUMNS = 'run_id, api_key_hash, user_id, session_id, thread_id, schedule_id, request, queued_at';

const toRecord = (row: QueuedRunRow): QueuedRunRecord => ({
  runId: row.run_id,
  owner:
    row.user_id === null
      ? { apiKeyHash: row.api_key_hash }
      : { apiKeyHash: row.api_key_hash, user: row.user_id },
  sessionId: row.session_id,
  threadId: row.thread_id,
  scheduleId: row.schedule_id,
  request: row.request,
  queuedAt: Number(row.queued_at),
});

/**
 * The bound of `bounds` that `record` (of `bytes` as JSON) would pass, read with its owner's
 * enqueues serialised (a transaction-level advisory lock on the owner), or undefined.
 */
async function boundReached(
  tx: SqlQueryable,
  record: QueuedRunRecord,
  bytes: number,
  bounds: QueueBounds,
): Promise<QueueBoundReached | undefined> {
  // The cap's owner: anonymous sessions of a key count together (`capOwnerKey`).
  const ownerKey = JSON.stringify(['queued_runs', capOwnerKey(record.owner)]);
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [ownerKey]);
  const where = capOwnerCondition(record.owner, 2);
  const found = await tx.query<{ in_session: number; of_owner: number; bytes: string | number }>(
    `SELECT count(*) FILTER (WHERE session_id = $1)::int AS in_session, count(*)::int AS of_owner,
       coalesce(sum(octet_length(request::text)), 0) AS bytes
     FROM queued_runs WHERE ${where.sql}`,
    [record.sessionId, ...where.params],
  );
  const waiting = found.rows[0];
  if (waiting === undefined) return undefined;
  if (waiting.in_session >= bounds.maxPerSession) return 'maxPerSession';
  if (waiting.of_owner >= bounds.maxPerOwner) return 'maxPerOwner';
  if (Number(waiting.bytes) + bytes > bounds.maxBytesPerOwner) return 'maxBytesPerOwner';
  return undefined;
}

/**
 * Queued runs over SQL. A claim is a conditional UPDATE of rows read `FOR UPDATE SKIP LOCKED`
 * in one transaction, so of instances that look at once each row goes to one; renewing and
 * leaving the queue are conditional on the claimer, so an instance that lost the claim learns it.
 */
export function createSqlQueuedRunStore(engine: SqlEngine): QueuedRunStore {
  return {
    enqueue: (record, claimer, leaseMs, now, bounds) =>
      failClosed('enqueueRun', async () => {
        const requestText = JSON.stringify(record.request);
        const row = [
          record.runId,
          record.owner.apiKeyHash,
          record.owner.user ?? null,
          record.sessionId,
          record.threadId,
          record.scheduleId,
          requestText,
          record.queuedAt,
          claimer,
          now + leaseMs,
        ];
        const insert = `INSERT INTO queued_runs (${COLUMNS}, claimed_by, claim_until)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
        if (bounds === undefined) {
          await engine.query(insert, row);
          return undefined;
        }
        return engine.transaction(async (tx) => {
          const reached = await boundReached(tx, record, Buffer.byteLength(requestText, 'utf8'), bounds);
          if (reached === undefined) await tx.query(insert, row);
          return reached;
        });
      }),

    renew: (runId, claimer, leaseMs, now) =>
      failClosed('renewQueuedRun', async () => {
        const renewed = await engine.query(
          'UPDATE queued_runs SET claim_until = $3 WHERE run_id = $1 AND claimed_by = $2',
          [runId, claimer, now + leaseMs],
        );
        return renewed.rowCount > 0;
      }),

    claimLapsed: (claimer, leaseMs, now, limit) =>
      failClosed('claimQueuedRuns', () =>
        engine.transaction(async (tx) => {
          // Only the head of each session's queue: the runs of a session start in queue order.
          const lapsed = await tx.query<QueuedRunRow>(
            `SELECT ${COLUMNS} FROM queued_runs q
             WHERE q.claim_until <= $1
               AND NOT EXISTS (SELECT 1 FROM queued_runs earlier
                               WHERE earlier.session_id = q.session_id
                                 AND (earlier.queued_at, earlier.run_id) < (q.queued_at, q.run_id))
             ORDER BY q.queued_at, q.run_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
            [now, limit],
          );
          if (lapsed.rows.length === 0) return [];
          await tx.query('UPDATE queued_runs SET claimed_by = $2, claim_until = $3 WHERE run_id = ANY($1)', [
            lapsed.rows.map((row) => row.run_id),
            claimer,
            now + leaseMs,
          ]);
          return lapsed.rows.map(toRecord);
        }),
      ),

    started: (runId, claimer) =>
      failClosed('startQueuedRun', async () => {
        const removed = await engine.query('DELETE FROM queued_runs WHERE run_id = $1 AND claimed_by = $2', [
          runId,
          claimer,
        ]);
        return removed.rowCount > 0;
      }),

    release: (runId, claimer) =>
      failClosed('releaseQueuedRun', async () => {
        await engine.query('UPDATE queued_runs SET claim_until = 0 WHERE run_id = $1 AND claimed_by = $2', [
          runId,
          claimer,
        ]);
      }),

    listForSession: (sessionId) =>
      failClosed('listQueuedRuns', async () => {
        const found = await engine.query<QueuedRunRow>(
          `SELECT ${COLUMNS} FROM queued_runs WHERE session_id = $1 ORDER BY queued_at, run_id`,
          [sessionId],
        );
        return found.rows.map(toRecord);
      }),

    listForOwner: (owner, filter, page) =>
      failClosed('listOwnerQueuedRuns', async (): Promise<Page<QueuedRunRecord>> => {
        const limit = clampLimit(page.limit, THREAD_LIMITS.pageSize);
        const { text, params } = ownerPageQuery({
          columns: COLUMNS,
          table: 'queued_runs',
          owner,
          equal: { thread_id: filter.threadId },
          order: 'queued_at, run_id',
          cursor: page.cursor,
          limit,
        });
        const found = await engine.query<QueuedRunRow>(text, params);
        return keysetPage(found.rows, limit, toRecord, (run) => ({ at: run.queuedAt, id: run.runId }));
      }),

    get: (owner, runId) =>
      failClosed('getQueuedRun', () =>
        selectOwnedRow(
          engine,
          { table: 'queued_runs', columns: COLUMNS, idColumn: 'run_id' },
          owner,
          runId,
          toRecord,
        ),
      ),

    cancel: (owner, runId) =>
      failClosed('cancelQueuedRun', async () => {
        const where = ownerCondition(owner, 2);
        const removed = await engine.query(`DELETE FROM queued_runs WHERE run_id = $1 AND ${where.sql}`, [
          runId,
          ...where.params,
        ]);
        return removed.rowCount > 0;
      }),
  };
}
