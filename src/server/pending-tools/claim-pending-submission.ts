import { timingSafeEqual } from 'node:crypto';
import type { PendingToolStatus, PendingToolStore } from '../../core/stores.js';

/** The status and JSON body a tool answer endpoint responds with. */
export interface SubmissionResponse {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The statuses and messages that differ between the approval and the result endpoints. */
export interface SubmissionRules {
  waitingStatus: PendingToolStatus;
  answeredStatus: PendingToolStatus;
  alreadySubmittedMessage: string;
  invalidStateMessage: string;
  expiredMessage: string;
  /** The bus channel the waiting run listens on for this call's answer. */
  channel: (toolCallId: string) => string;
  /** What the client is told when the answer could not be stored or delivered (it may retry). */
  deliveryFailedMessage: string;
}

/** Options of `claimPendingSubmission`. */
export interface ClaimPendingSubmissionOptions {
  pendingTools: PendingToolStore;
  sessionId: string;
  toolCallId: string;
  nonce: string;
  nowMs: number;
  rules: SubmissionRules;
}

function reject(status: number, message: string): { claimed: false; response: SubmissionResponse } {
  return { claimed: false, response: { status, body: { error: message } } };
}

function sameNonce(expected: string, given: string): boolean {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const givenBytes = Buffer.from(given, 'utf8');
  return expectedBytes.length === givenBytes.length && timingSafeEqual(expectedBytes, givenBytes);
}

/**
 * Checks an answer to a parked tool call in the original's order (unknown → already answered →
 * wrong state → nonce → expired) and claims the call with a compare-and-set. Exactly one
 * answer can be claimed, even when several instances race; the loser hears "already
 * submitted" (or "unknown" when the call meanwhile stopped waiting). A call of another session
 * is reported as unknown, so ids of other sessions cannot be probed.
 */
export async function claimPendingSubmission(
  options: ClaimPendingSubmissionOptions,
): Promise<{ claimed: true; expiresAtMs: number } | { claimed: false; response: SubmissionResponse }> {
  const { pendingTools, sessionId, toolCallId, nonce, nowMs, rules } = options;
  const record = await pendingTools.get(toolCallId);
  if (record === undefined || record.sessionId !== sessionId) return reject(404, 'Unknown tool_call_id');
  if (record.status === rules.answeredStatus) return reject(409, rules.alreadySubmittedMessage);
  if (record.status !== rules.waitingStatus) return reject(409, rules.invalidStateMessage);
  if (!sameNonce(record.nonce, nonce)) return reject(409, 'Nonce mismatch');
  if (nowMs / 1000 >= record.expiresAt) {
    await pendingTools.delete(toolCallId);
    return reject(410, rules.expiredMessage);
  }
  if (await pendingTools.transition(toolCallId, rules.waitingStatus, rules.answeredStatus))
    return { claimed: true, expiresAtMs: record.expiresAt * 1000 };
  const current = await pendingTools.get(toolCallId);
  return current === undefined
    ? reject(404, 'Unknown tool_call_id')
    : reject(409, rules.alreadySubmittedMessage);
}
