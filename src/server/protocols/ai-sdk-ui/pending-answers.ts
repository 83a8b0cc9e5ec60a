import { isUiToolPart, toolNameOf, type UiMessage, type UiMessagePart } from './ui-chat-request.js';

/** An approval decision the client claims (`addToolApprovalResponse`). */
export interface UiApprovalAnswer {
  /** Our approval request's nonce, as sent in `tool-approval-request.approvalId`. */
  approvalId: string;
  toolCallId: string;
  toolName: string;
  approved: boolean;
  reason?: string;
}

/** A client-side tool's result the client claims (`addToolOutput`). */
export type UiToolOutputAnswer = {
  toolCallId: string;
  toolName: string;
  /** The nonce the gateway put in the call's `toolMetadata`, when the client echoed it. */
  nonce?: string;
} & ({ ok: true; output: unknown } | { ok: false; errorText: string });

/** The answers found in the client's copy of the assistant message. */
export interface UiPendingAnswers {
  approvals: UiApprovalAnswer[];
  toolOutputs: UiToolOutputAnswer[];
}

/** The parts after the last `step-start`: the step the response ended in. */
function lastStepOf(parts: readonly UiMessagePart[]): UiMessagePart[] {
  const start = parts.findLastIndex((part) => part.type === 'step-start');
  return parts.slice(start + 1);
}

/**
 * The approval decisions and client-side tool outputs in the last assistant message: what the
 * client answered since the response that ended with `finish{finishReason: "tool-calls"}`.
 *
 * These are claims, never decisions. The route must match each against the pending call it
 * stored itself (tool call id, session, approval nonce = `approvalId`, single use, expiry) and
 * ignore any it did not ask for: every `output-available` of the last step is returned,
 * including server tools' outputs the client merely kept, because the message cannot tell them
 * apart. Approved or denied calls the server already completed are not in `approval-responded`
 * any more, so a replayed history yields no approval twice.
 */
export function pendingAnswers(lastAssistantMessage: UiMessage | undefined): UiPendingAnswers {
  const answers: UiPendingAnswers = { approvals: [], toolOutputs: [] };
  if (lastAssistantMessage?.role !== 'assistant') return answers;
  for (const part of lastAssistantMessage.parts) {
    if (!isUiToolPart(part) || part.state !== 'approval-responded') continue;
    const approval = part.approval;
    if (approval === undefined || approval.approved === undefined) continue;
    answers.approvals.push({
      approvalId: approval.id,
      toolCallId: part.toolCallId,
      toolName: toolNameOf(part),
      approved: approval.approved,
      ...(approval.reason === undefined ? {} : { reason: approval.reason }),
    });
  }
  for (const part of lastStepOf(lastAssistantMessage.parts)) {
    if (!isUiToolPart(part) || part.approval !== undefined) continue;
    const nonce = part.toolMetadata?.nonce;
    const base = {
      toolCallId: part.toolCallId,
      toolName: toolNameOf(part),
      ...(typeof nonce === 'string' ? { nonce } : {}),
    };
    if (part.state === 'output-available' && part.preliminary !== true) {
      answers.toolOutputs.push({ ...base, ok: true, output: part.output });
    } else if (part.state === 'output-error') {
      answers.toolOutputs.push({ ...base, ok: false, errorText: part.errorText ?? '' });
    }
  }
  return answers;
}
