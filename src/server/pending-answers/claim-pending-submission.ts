import { timingSafeEqual } from 'node:crypto';
import type {
  PendingAnswerKey,
  PendingAnswerRecord,
  PendingAnswerStatus,
  PendingAnswerStore,
} from '../../core/stores.js';
import { errorBody } from '../../core/http-error.js';

/** The status and JSON body a tool answer endpoint responds with. */
export interface SubmissionResponse {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /**
   * Not sent: the answer holds its call's one slot in the database (`keepAnswer` kept it), so
   * it takes effect even though the live call stopped waiting (404): its run was suspended as
   * the answer arrived, and the suspended run resumes with it.
   */
  kept?: true;
}

/** The statuses and messages that differ between the approval and the result endpoints. */
export interface SubmissionRules {
  pendingStatus: PendingAnswerStatus;
  answeredStatus: PendingAnswerStatus;
  alreadySubmittedMessage: string;
  invalidStateMessage: string;
  expiredMessage: string;
  /** The bus channel the waiting run listens on for this call's answer. */
  channel: (key: PendingAnswerKey) => string;
  /** What the client is told when the answer could not be stored or delivered (it may retry). */
  deliveryFailedMessage: string;
}

/** Options of `claimPendingSubmission`. */
export interface ClaimPendingSubmissionOptions {
  pendingAnswers: PendingAnswerStore;
  sessionId: string;
  toolCallId: string;
  nonce: string;
  nowMs: number;
  rules: SubmissionRules;
  /**
   * Refuses the answer for what the call is (a response), checked once the answer proved it
   * knows the call (its nonce) and before the claim: `server.requireDistinctApprover`.
   */
  admit?: (record: PendingAnswerRecord) => SubmissionResponse | undefined;
}

function reject(status: number, message: string): { claimed: false; response: SubmissionResponse } {
  return { claimed: false, response: { status, body: errorBody(message) } };
}

function sameNonce(expected: string, given: string): boolean {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const givenBytes = Buffer.from(given, 'utf8');
  return expectedBytes.length === givenBytes.length && timingSafeEqual(expectedBytes, givenBytes);
}

/**
 * Checks a submission for a pending answer in the wire protocol's order (unknown → already answered →
 * wrong state → nonce → expired) and claims the call with a compare-and-set. The call is looked
 * up among the answering session's own calls only (`findInSession`): the same tool call id
 * pending for another session is never seen, so it can be neither answered nor probed. Exactly
 * one answer can be claimed, even when several instances race; the loser hears "already
 * submitted" (or "unknown" when the call meanwhile stopped waiting). The claimed call's full key
 * is returned for the delivery.
 */
export async function claimPendingSubmission(
  options: ClaimPendingSubmissionOptions,
): Promise<
  | { claimed: true; key: PendingAnswerKey; expiresAtMs: number; record: PendingAnswerRecord }
  | { claimed: false; response: SubmissionResponse }
> {
  const { pendingAnswers, sessionId, toolCallId, nonce, nowMs, rules } = options;
  const record = await pendingAnswers.findInSession(sessionId, toolCallId);
  if (record === undefined || record.sessionId !== sessionId) return reject(404, 'Unknown tool_call_id');
  const key: PendingAnswerKey = { sessionId, runId: record.runId, toolCallId };
  if (record.status === rules.answeredStatus) return reject(409, rules.alreadySubmittedMessage);
  if (record.status !== rules.pendingStatus) return reject(409, rules.invalidStateMessage);
  if (!sameNonce(record.nonce, nonce)) return reject(409, 'Nonce mismatch');
  const refused = options.admit?.(record);
  if (refused !== undefined) return { claimed: false, response: refused };
  if (nowMs / 1000 >= record.expiresAt) {
    await pendingAnswers.delete(key);
    return reject(410, rules.expiredMessage);
  }
  if (await pendingAnswers.transition(key, rules.pendingStatus, rules.answeredStatus))
    return { claimed: true, key, expiresAtMs: record.expiresAt * 1000, record };
  const current = await pendingAnswers.get(key);
  return current === undefined
    ? reject(404, 'Unknown tool_call_id')
    : reject(409, rules.alreadySubmittedMessage);
}
