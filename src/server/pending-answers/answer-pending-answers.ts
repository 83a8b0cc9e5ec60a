import type { GatewayStores } from '../../core/stores.js';
import type { AnswerOutbox } from './answer-outbox.js';
import { HttpError } from '../../core/http-error.js';
import type { SubmissionResponse } from './claim-pending-submission.js';
import { submitApproval } from './submit-approval.js';
import { requesterMayNotApprove, type DistinctApproverSetting } from './distinct-approver.js';
import { submitToolResult } from './submit-tool-result.js';

/** An approval decision a frontend claims for a pending answer. */
export interface ClaimedApproval {
  /** Our approval request's nonce (`approvalId` for useChat, `interruptId` for AG-UI). */
  approvalId: string;
  toolCallId: string;
  approved: boolean;
  /** Grant the tool for the rest of the session (`allow_tool_type`). */
  alwaysAllow: boolean;
}

/** A client-side tool's result a frontend claims. */
export type ClaimedToolOutput = {
  toolCallId: string;
  /** The call's nonce as the client echoed it; see `AnswerPendingAnswersOptions.nonceFromSession`. */
  nonce?: string;
} & ({ ok: true; output: unknown } | { ok: false; errorText: string });

/** Options of `answerPendingAnswers`. */
export interface AnswerPendingAnswersOptions {
  stores: Pick<GatewayStores, 'pendingAnswers' | 'bus'>;
  sessionId: string;
  approvals: readonly ClaimedApproval[];
  toolOutputs: readonly ClaimedToolOutput[];
  /**
   * Take a client-side call's nonce from the stored call when the client did not echo it
   * (AG-UI tool messages carry none): the session token then is the only proof, as for a
   * client that reads the nonce off the stream. Default false: the nonce must be echoed.
   */
  nonceFromSession?: boolean;
  report: (error: unknown, where: string) => void;
  /** The app's outbox (answers still in it are accepted, `202` on the native routes). */
  outbox?: AnswerOutbox;
  /** `server.requireDistinctApprover`: approvals of these tools are not the session's to give. */
  requireDistinctApprover?: DistinctApproverSetting;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Turns a refused submission into the HTTP error of this request. */
function refuse(response: SubmissionResponse, what: string): never {
  const error = typeof response.body.error === 'string' ? response.body.error : 'refused';
  throw HttpError.detail(
    response.status,
    `${what}: ${error}`,
    response.headers === undefined ? {} : { headers: response.headers },
  );
}

/**
 * Delivers what a frontend claims to have answered, each claim checked against the pending
 * answer the gateway stored itself (session, nonce, state, single use, expiry) by
 * `submitApproval` / `submitToolResult`. The first refused claim ends the request with its
 * status (404 unknown call, 409 nonce mismatch or already answered, 410 expired) and nothing
 * after it is delivered: a forged or replayed approval changes nothing. Outputs of calls that are not this
 * session's pending answers of client-side tools (server tools' outputs the client merely
 * kept) are ignored. Returns the ids of the calls answered now.
 */
export async function answerPendingAnswers(options: AnswerPendingAnswersOptions): Promise<string[]> {
  const { stores, sessionId, report } = options;
  const outbox = options.outbox === undefined ? {} : { outbox: options.outbox };
  const answered: string[] = [];
  for (const approval of options.approvals) {
    const response = await submitApproval({
      stores,
      sessionId,
      report,
      ...outbox,
      admit: requesterMayNotApprove(options.requireDistinctApprover ?? false),
      body: {
        tool_call_id: approval.toolCallId,
        nonce: approval.approvalId,
        approved: approval.approved,
        allow_tool_type: approval.approved && approval.alwaysAllow,
      },
    });
    if (response.status !== 200 && response.status !== 202)
      refuse(response, `Approval of tool call ${approval.toolCallId} refused`);
    answered.push(approval.toolCallId);
  }
  for (const output of options.toolOutputs) {
    const record = await stores.pendingAnswers.findInSession(sessionId, output.toolCallId);
    // Not a pending answer of this client (a server tool's output the client merely kept).
    if (record === undefined || record.sessionId !== sessionId || record.kind !== 'client_tool') continue;
    if (record.status === 'received') continue;
    const nonce = output.nonce ?? (options.nonceFromSession === true ? record.nonce : undefined);
    if (nonce === undefined) {
      throw HttpError.detail(
        422,
        `The output of client-side tool call ${output.toolCallId} lacks the toolMetadata.nonce the gateway sent with the call`,
      );
    }
    const response = await submitToolResult({
      stores,
      sessionId,
      report,
      ...outbox,
      body: {
        tool_call_id: output.toolCallId,
        nonce,
        result: output.ok
          ? isRecord(output.output)
            ? output.output
            : { value: output.output ?? null }
          : null,
        error: output.ok ? null : { message: output.errorText },
      },
    });
    if (response.status !== 200 && response.status !== 202)
      refuse(response, `Result of tool call ${output.toolCallId} refused`);
    answered.push(output.toolCallId);
  }
  return answered;
}
