import type { InboxApprovalRequest, InboxItemKind } from '../../core/approval-inbox-store.js';
import type { AuthorizeAction } from '../../core/authorization.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ThreadOwner } from '../../core/thread-store.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import { tenantMemberOf } from '../auth/tenant-member-of.js';
import { ownerOfSession } from '../contracts/session-owner.js';

const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

/** Whether the approval was asked by a run of the session's own owner. */
export const isOwnApproval = (
  session: SessionRecord,
  approval: Pick<InboxApprovalRequest, 'requester'>,
): boolean => sameOwner(approval.requester.owner, ownerOfSession(session));

/**
 * The action `server.authorize` is asked for another principal's pending answer of `kind`:
 * `approval.answer` for an approval (as `POST /runs/:id/tool-approval` asks), and
 * `client_tool.answer` for a client-side tool's result, which a hook that does not know it
 * refuses (only the requester then sees it).
 */
export const answerActionOf = (kind: InboxItemKind | undefined): AuthorizeAction =>
  kind === 'client_tool_result' ? 'client_tool.answer' : 'approval.answer';

/**
 * Whether the session may see (and so try to answer) a pending answer: its own run's, or that of
 * another principal of its issuer and tenant when `server.authorize` allows it the kind's action
 * (`answerActionOf`) on `{ type: 'approval', id: <tool call id>, tool: <tool name>, owner: <the
 * requester> }`. Anyone else's (another tenant, an API key, a caller of no tenant) is never
 * offered to the hook.
 */
export async function maySeeApproval(
  session: SessionRecord,
  approval: Pick<InboxApprovalRequest, 'requester' | 'toolCallId' | 'toolName' | 'kind'>,
  authorizer: RequestAuthorizer | undefined,
): Promise<boolean> {
  if (isOwnApproval(session, approval)) return true;
  if (authorizer === undefined) return false;
  const member = tenantMemberOf(session.principal, approval.requester.owner);
  if (member === undefined) return false;
  return authorizer.allows(
    session,
    answerActionOf(approval.kind),
    { type: 'approval', id: approval.toolCallId, tool: approval.toolName },
    member,
  );
}
