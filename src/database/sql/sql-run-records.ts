import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { ThreadStore } from '../../core/thread-store.js';
import type { SqlEngine } from './sql-engine.js';
import { createRunWriteBatch } from './run-write-batch.js';
import type { SqlThreadHistory } from './sql-thread-history.js';
import { failClosed } from './store-errors.js';

/** The run and approval writes of the SQL thread store. */
export type SqlRunRecords = Pick<ThreadStore, 'recordRunStart' | 'recordRunEnd' | 'recordApproval'> &
  Required<Pick<ThreadStore, 'finishRun' | 'flushWrites'>>;

/**
 * How long a run's end waits for the ends of other runs to share its statement. A client that
 * chats back to back sends its next message the moment its stream completes: an end written at
 * once has the database server work beside that chat's first token (on two cores, +0.5-0.7 ms
 * to its p50). Held this long, the ends of a few chats go in one statement, and anything that
 * needs one sooner (the thread's next read, `GET /runs/:id`, a start, `close()`) sends it.
 */
export const RUN_END_HOLD_MS = 50;

/** Messages as one JSON array parameter (`json_array_elements` numbers them in SQL). */
export const serializeMessages = (messages: readonly unknown[]): string => JSON.stringify(messages);

/**
 * Records runs and approval decisions. Runs' starts and ends (an end with its thread's new
 * messages) go through one write batch (`createRunWriteBatch`): one statement for every run that
 * starts or ends while the previous statement is under way.
 */
export function createSqlRunRecords(
  engine: SqlEngine,
  appending: SqlThreadHistory['appending'] = () => () => undefined,
): SqlRunRecords {
  const batch = createRunWriteBatch(engine, { holdEndsMs: RUN_END_HOLD_MS });
  return {
    flushWrites: () => batch.flushNow(),
    recordRunStart: (run) => failClosed('recordRunStart', () => batch.enqueue({ kind: 'start', run })),

    recordRunEnd: (runId, end) =>
      failClosed('recordRunEnd', async () => {
        await engine.query(
          `UPDATE runs SET status = $2, outcome_code = $3, turns = $4, usage = $5::jsonb,
             estimated_cost_usd = $6, ended_at = $7
           WHERE id = $1`,
          [
            runId,
            end.status,
            end.outcomeCode,
            end.turns,
            end.usage === null ? null : JSON.stringify(end.usage),
            end.estimatedCostUsd,
            end.endedAt,
          ],
        );
      }),

    // Once per chat: no async wrappers, one promise for the caller (the batch's).
    finishRun: (run, append) => {
      if (append !== undefined && (!Number.isSafeInteger(append.firstSeq) || append.firstSeq < 0)) {
        return Promise.reject(
          new GatewayError(GatewayErrorCode.Internal, `finishRun: invalid firstSeq ${append.firstSeq}`),
        );
      }
      const endedAt = run.endedAt ?? Date.now();
      const messages = append?.messages ?? [];
      let json: string;
      let appended: ((committed: boolean) => void) | undefined;
      try {
        // Serialized once: the statement carries this text, and the cache parses it back.
        json = messages.length === 0 ? '[]' : serializeMessages(messages);
        // The thread's cached history takes the messages on once they are committed.
        appended =
          run.threadId === null || append === undefined || messages.length === 0
            ? undefined
            : appending({
                threadId: run.threadId,
                runId: run.id,
                owner: run.owner,
                epoch: run.threadEpoch,
                firstSeq: append.firstSeq,
                json,
                createdAt: endedAt,
              });
      } catch (error) {
        return failClosed('finishRun', () => {
          throw error;
        });
      }
      const enqueued = batch.enqueue({
        kind: 'finish',
        run: run.endedAt === null ? { ...run, endedAt } : run,
        firstSeq: append?.firstSeq ?? 0,
        messagesJson: json,
        messageCount: messages.length,
      });
      // The batch fails a write as the store call's already (`closedOver`): a run without
      // messages for a thread's cache (most chats) gets its promise, with no reaction of its own.
      if (appended === undefined) return enqueued;
      const told = appended;
      return enqueued.then(
        () => told(true),
        (error: unknown) => {
          told(false);
          throw error;
        },
      );
    },

    recordApproval: (decision) =>
      failClosed('recordApproval', async () => {
        await engine.query(
          `INSERT INTO approvals (run_id, tool_call_id, tool_name, input_hash, decision, always_allow,
             answered_by_key, answered_by_user, answered_by_session, answered_by_principal, answered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::json, $11)
           ON CONFLICT (run_id, tool_call_id) DO NOTHING`,
          [
            decision.runId,
            decision.toolCallId,
            decision.toolName,
            decision.inputHash,
            decision.decision,
            decision.alwaysAllow,
            decision.answeredBy.apiKeyHash,
            decision.answeredBy.user ?? null,
            decision.answeredBy.sessionId,
            decision.answeredBy.principal === undefined
              ? null
              : JSON.stringify(decision.answeredBy.principal),
            decision.answeredAt,
          ],
        );
      }),
  };
}
