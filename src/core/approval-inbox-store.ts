/**
 * The approvals inbox: every approval a recorded run asks for, kept in the durable store from
 * the moment it is asked until it is answered (and after, as its audit), so that the people who
 * approve can find what waits for them on any instance, live or suspended. Times are unix
 * milliseconds; records handed out are copies.
 */

import type { AnswerSurface } from './approval.js';
import type { ApproverPrincipal, JsonObject, Page, ThreadOwner } from './thread-store.js';

/** Who asked: the run's owner and, when a principal signed in, its issuer, tenant and subject. */
export interface InboxRequester {
  owner: ThreadOwner;
  principal?: ApproverPrincipal;
  /**
   * The hash of the requester's issuer and tenant (`tenantKeyOfSession`), under which the
   * approval is listed to the tenant's approvers; absent for a requester of no tenant.
   */
  tenantKey?: string;
}

/**
 * What a pending answer waits for: a person's approval of a tool call (`tool_approval`), or the
 * result of a client-side tool (`client_tool_result`), which someone other than the requester
 * may give where `server.authorize` allows `client_tool.answer`.
 */
export type InboxItemKind = 'tool_approval' | 'client_tool_result';

/** One approval as the run asks for it (`ApprovalInboxStore.request`). */
export interface InboxApprovalRequest {
  /** Opaque and stable: the same run and tool call always give the same id. */
  approvalId: string;
  /** What it waits for; `tool_approval` when absent (entries recorded before kinds). */
  kind?: InboxItemKind;
  runId: string;
  toolCallId: string;
  threadId: string | null;
  /** The session the call is asked under while the run waits live. */
  sessionId: string;
  /** The value the run's own answer routes must echo; never shown by the inbox. */
  nonce: string;
  toolName: string;
  /** The call's arguments, as the model sent them. */
  input: JsonObject;
  requester: InboxRequester;
  requestedAt: number;
  expiresAt: number;
}

/** How an approval ended; `answered` is a client-side tool's result (or error) given. */
export type InboxDecision = 'approved' | 'denied' | 'answered' | 'timed_out';

/** Who answered and how (the audit). */
export interface InboxAnswer {
  decision: InboxDecision;
  /** The answering session's owner and principal; absent for a timeout. */
  answeredBy?: ThreadOwner & { principal?: ApproverPrincipal };
  answeredAt: number;
  /** Where it was answered (absent for a timeout, and for answers recorded before surfaces). */
  surface?: AnswerSurface;
  /** The approver's reason, given with a denial. */
  reason?: string;
}

/**
 * Where an approval stands: waiting in a running run (`live`) or in a run suspended in the
 * database (`suspended`); or done: `answered` by someone, `expired` without an answer.
 */
export type InboxApprovalState = 'live' | 'suspended' | 'answered' | 'expired';

/** One approval as the inbox reads it. */
export interface InboxApproval extends InboxApprovalRequest {
  kind: InboxItemKind;
  /** Absent while it waits. */
  answer?: InboxAnswer;
  /** `live` / `suspended` while it waits; `answered` or `expired` once it has an answer. */
  state: InboxApprovalState;
  threadTitle: string | null;
}

/** The state of an approval from its answer and its run's status (both stores read it so). */
export const inboxStateOf = (
  answer: InboxAnswer | undefined,
  runStatus: string | undefined,
): InboxApprovalState =>
  answer === undefined
    ? runStatus === 'suspended'
      ? 'suspended'
      : 'live'
    : answer.decision === 'timed_out'
      ? 'expired'
      : 'answered';

/** Which approvals a page lists. */
export interface InboxQuery {
  /** The caller as an owner: its own approvals are listed. */
  owner: ThreadOwner;
  /** With it, every approval requested under this tenant key is listed too. */
  tenantKey?: string;
  /** `pending` (newest request first) or `answered` (newest answer first). */
  status: 'pending' | 'answered';
  limit: number;
  cursor?: string;
  /** Approvals past their expiry are not pending any more. */
  now: number;
}

/**
 * The inbox of one durable store. A pending approval is one whose run still runs or is
 * suspended, that has not expired and has not been answered; an approval of a run that ended
 * any other way leaves the pending list by itself.
 */
export interface ApprovalInboxStore {
  /**
   * Records an approval as asked; asking again for the same `approvalId` (a resumed or taken
   * over run) refreshes where it waits, but never reopens an answered one. True when the
   * approval is new (what followers are told of), false when it was known already.
   */
  request(approval: InboxApprovalRequest): Promise<boolean>;
  /** Records the answer, once: false when it was answered already or is unknown. */
  settle(approvalId: string, answer: InboxAnswer): Promise<boolean>;
  /** The approval, whoever asks (the route authorizes); undefined when unknown. */
  get(approvalId: string): Promise<InboxApproval | undefined>;
  /** A page of the approvals `query` names. */
  list(query: InboxQuery): Promise<Page<InboxApproval>>;
}
