import { randomBytes } from 'node:crypto';
import type { ApprovalTraits, ApprovalTraitsOf, NeedsApproval, RequestApproval } from '../core/approval.js';
import { ToolError, type ToolErrorPayload } from '../core/tool.js';
import type { Logger } from '../core/logger.js';
import { CANCELLED_MESSAGE, describeThrown } from './tool-failure.js';
import { formatDuration } from '../core/format-duration.js';

/** Computes the approval qualifier of a call (e.g. the code-execution backend). */
export type ApprovalKeyQualifier = (toolName: string, toolInput: Record<string, unknown>) => string;

/** Options of `createApprovalGate`, already validated by the dispatcher. */
export interface ApprovalGateOptions {
  needsApproval: NeedsApproval;
  requestApproval: RequestApproval | undefined;
  /** Keys approved with "always allow"; shared with the session, so it outlives the gate. */
  approvedToolTypes: Set<string>;
  approvalTimeoutMs: number;
  /** The setting `approvalTimeoutMs` came from, named in the timeout message (default `approvalTimeoutMs`). */
  approvalTimeoutSetting?: string | undefined;
  /** Whether a call runs sandboxed and may be "always allowed"; default: nothing said. */
  approvalTraits?: ApprovalTraitsOf | undefined;
  logger: Pick<Logger, 'warn'>;
}

/** One call the gate decides on. */
export interface ApprovalCheck {
  toolCallId: string;
  toolName: string;
  toolInput: Record<string, unknown>;
  qualifier: string;
  signal: AbortSignal;
}

/**
 * How the gate decided: the error to return, or the call let through, saying whether a person
 * approved it (the dispatcher then runs it through `RunApprovedOnce`: more than one path may hold
 * that approval).
 */
export type ApprovalVerdict = { refusal: ToolErrorPayload } | { refusal: null; approvedByPerson: boolean };

/** Let through with no person asked ("always allow", or no approval needed). */
const LET_THROUGH: ApprovalVerdict = { refusal: null, approvedByPerson: false };
/** Let through by a person's approval. */
const APPROVED_BY_PERSON: ApprovalVerdict = { refusal: null, approvedByPerson: true };
const refuse = (refusal: ToolErrorPayload): ApprovalVerdict => ({ refusal });

/** Decides whether a call may run. */
export interface ApprovalGate {
  check(call: ApprovalCheck): Promise<ApprovalVerdict>;
}

/**
 * The key "always allow" remembers: `name:qualifier`, or the bare name when the qualifier is
 * empty, so approving one backend of a tool does not approve the others.
 */
export function approvalKey(toolName: string, qualifier: string): string {
  return qualifier === '' ? toolName : `${toolName}:${qualifier}`;
}

/**
 * Resolves a call's qualifier. A failing or non-string qualifier counts as "" (logged): the
 * qualifier only narrows approvals, so falling back to the bare tool name is the cautious side.
 */
export function resolveApprovalQualifier(
  qualify: ApprovalKeyQualifier | undefined,
  toolName: string,
  toolInput: Record<string, unknown>,
  logger: Pick<Logger, 'warn'>,
): string {
  if (qualify === undefined) return '';
  try {
    const qualifier: unknown = qualify(toolName, toolInput);
    return typeof qualifier === 'string' ? qualifier : '';
  } catch (thrown) {
    logger.warn('approvalKeyQualifier failed; using no qualifier', { toolName, error: thrown });
    return '';
  }
}

/** 16 random hex characters the approval answer must echo (a fresh one per request). */
export function createApprovalNonce(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Human-in-the-loop approval for tool calls.
 *
 * Order: an "always allow" key in `approvedToolTypes` skips everything; otherwise
 * `needsApproval` decides; a needed approval is requested through `requestApproval` (or
 * refused with `approval_required` when none is configured). A denial or timeout is an error
 * payload the model reads, never an exception. A failing policy or transport blocks the call
 * with `internal_error` (fail closed): an approval that cannot be asked for never lets the call run.
 */
export function createApprovalGate(options: ApprovalGateOptions): ApprovalGate {
  const { needsApproval, requestApproval, approvedToolTypes, approvalTimeoutMs, logger } = options;
  return {
    async check({ toolCallId, toolName, toolInput, qualifier, signal }) {
      const key = approvalKey(toolName, qualifier);
      let traits: ApprovalTraits;
      try {
        traits = options.approvalTraits?.(toolName, toolInput, qualifier) ?? {};
      } catch (thrown) {
        logger.warn('approvalTraits failed; blocking tool call', { toolName, error: thrown });
        return refuse({ code: 'internal_error', message: describeThrown(thrown) });
      }
      // A key remembered for a call that may not be "always allowed" (a session persisted
      // before the deployment changed its mind) is ignored rather than trusted.
      if (traits.allowAlways !== false && approvedToolTypes.has(key)) return LET_THROUGH;
      try {
        if (!(await needsApproval(toolName, toolInput, qualifier))) return LET_THROUGH;
      } catch (thrown) {
        logger.warn('needsApproval failed; blocking tool call', { toolName, error: thrown });
        return refuse({ code: 'internal_error', message: describeThrown(thrown) });
      }
      if (requestApproval === undefined) {
        return refuse({
          code: 'approval_required',
          message: `Tool '${toolName}' requires approval but no approval handler is configured`,
        });
      }
      let decision: unknown;
      try {
        decision = await requestApproval(
          {
            toolCallId,
            nonce: createApprovalNonce(),
            toolName,
            toolInput,
            resolvedQualifier: qualifier,
            timeoutMs: approvalTimeoutMs,
            ...(traits.sandboxed === undefined ? {} : { sandboxed: traits.sandboxed }),
            ...(traits.allowAlways === undefined ? {} : { allowAlways: traits.allowAlways }),
          },
          signal,
        );
      } catch (thrown) {
        if (signal.aborted) return refuse({ code: 'cancelled', message: CANCELLED_MESSAGE });
        // A transport that refuses to ask (a cap on waiting calls) says why with a stable code.
        if (thrown instanceof ToolError) return refuse(thrown.toPayload());
        logger.warn('requestApproval failed; blocking tool call', { toolName, error: thrown });
        return refuse({ code: 'internal_error', message: describeThrown(thrown) });
      }
      if (decision === null || decision === undefined || typeof decision !== 'object') {
        // Named with its value and option, so a value typed in seconds points back at its cause.
        const setting = options.approvalTimeoutSetting ?? 'approvalTimeoutMs';
        return refuse({
          code: 'approval_timeout',
          message: `User did not respond within ${formatDuration(approvalTimeoutMs)} (${setting})`,
        });
      }
      if (!('approved' in decision) || decision.approved !== true) {
        // The approver's reason tells the model why, so it can change course.
        const reason = 'reason' in decision && typeof decision.reason === 'string' ? decision.reason : '';
        return refuse({
          code: 'user_denied',
          message: reason === '' ? 'User denied execution' : `User denied execution: ${reason}`,
        });
      }
      const always = 'allowToolType' in decision && decision.allowToolType === true;
      if (always && traits.allowAlways !== false) approvedToolTypes.add(key);
      return APPROVED_BY_PERSON;
    },
  };
}
