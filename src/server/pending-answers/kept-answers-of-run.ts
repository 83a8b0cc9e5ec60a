import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { JsonValue } from '../../core/thread-store.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { parseApprovalDecisionMessage } from './bus-message-parsers.js';

/** Options of `keptAnswersOfRun`. */
export interface KeptAnswersOfRunOptions {
  /** The app's database and `server.suspendAfterMs` (answers are kept only when it is not `false`). */
  config: { database?: Pick<GatewayDatabase, 'current'> | undefined; suspendAfterMs: number | false };
  runId: string;
  /** Where the run stood when its instance died; undefined when it died before its first one. */
  checkpoint: RunCheckpoint | undefined;
  report: (error: unknown, where: string) => void;
}

/** A run taken over, with the answers its client was told had been received. */
export interface KeptAnswersOfRun {
  /**
   * The checkpoint, the calls answered by a denial or a client-side result marked as never
   * started (`awaitingAnswer`), so that they run again whatever their tool's idempotence.
   */
  checkpoint: RunCheckpoint;
  /** The kept answers of the checkpoint's unfinished calls, by tool call id. */
  answers: ReadonlyMap<string, JsonValue>;
}

/** Whether a kept answer lets a tool run: an approval that approves. */
const approves = (answer: JsonValue): boolean => parseApprovalDecisionMessage(answer)?.approved === true;

/**
 * The answers kept in the database (`SuspendedRunStore.keepAnswer`) for the calls a run taken
 * over was waiting for: each was acknowledged to its client, perhaps never received by the dead
 * instance, so the run uses it instead of asking again. Undefined, without a database read,
 * when nothing can have been kept (no store, suspension off: see `keepAnswerOf`) or the
 * checkpoint has no unfinished call; undefined too when nothing was kept or the read failed
 * (reported): the run then asks again, as it would without a database.
 *
 * An approval that approves stays subject to the takeover's rule for calls cut short: an
 * idempotent tool runs with it, any other is reported `interrupted`. The dead instance may have
 * received the approval and started the tool, and nothing durable says whether it did; a
 * denial or a client-side result has no effect of its own to repeat.
 */
export async function keptAnswersOfRun(
  options: KeptAnswersOfRunOptions,
): Promise<KeptAnswersOfRun | undefined> {
  const { config, runId, checkpoint } = options;
  const store = config.database?.current()?.suspendedRuns;
  const inFlight = checkpoint?.toolsInFlight;
  if (store === undefined || config.suspendAfterMs === false || checkpoint === undefined) return undefined;
  const unfinished = (inFlight?.calls ?? []).filter((call) => inFlight?.finished[call.id] === undefined);
  if (inFlight === undefined || unfinished.length === 0) return undefined;
  let kept: Map<string, JsonValue>;
  try {
    kept = await store.keptAnswers(runId);
  } catch (error) {
    options.report(error, `reading the answers kept for run ${runId}`);
    return undefined;
  }
  const answers = new Map<string, JsonValue>();
  for (const call of unfinished) {
    const answer = kept.get(call.id);
    if (answer !== undefined) answers.set(call.id, answer);
  }
  if (answers.size === 0) return undefined;
  const notStarted = [...answers].flatMap(([toolCallId, answer]) => (approves(answer) ? [] : [toolCallId]));
  const awaitingAnswer = [...new Set([...(inFlight.awaitingAnswer ?? []), ...notStarted])];
  return { checkpoint: { ...checkpoint, toolsInFlight: { ...inFlight, awaitingAnswer } }, answers };
}
