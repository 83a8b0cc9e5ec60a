/**
 * The approvals inbox (`ApprovalInboxStore`): one row per approval a recorded run asks for,
 * from the moment it is asked, answered in place (`decision` and the audit columns stay NULL
 * while it waits). Its input is `json`, kept as the model sent it. Pending approvals are read
 * by owner or by tenant key, newest request first; answered ones newest answer first: each
 * order has its partial index. A run's deletion (with its thread) takes its approvals along.
 */
export const createApprovalInbox = `
CREATE TABLE approval_requests (
  approval_id text PRIMARY KEY,
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  tool_call_id text NOT NULL,
  thread_id text,
  session_id text NOT NULL,
  nonce text NOT NULL,
  tool_name text NOT NULL,
  input json NOT NULL,
  api_key_hash text NOT NULL,
  user_id text,
  principal json,
  tenant_key text,
  requested_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  decision text,
  answered_by json,
  answered_at bigint,
  reason text
);
CREATE INDEX approval_requests_pending_by_owner
  ON approval_requests (api_key_hash, user_id, requested_at DESC, approval_id DESC) WHERE decision IS NULL;
CREATE INDEX approval_requests_pending_by_tenant
  ON approval_requests (tenant_key, requested_at DESC, approval_id DESC)
  WHERE decision IS NULL AND tenant_key IS NOT NULL;
CREATE INDEX approval_requests_answered_by_owner
  ON approval_requests (api_key_hash, user_id, answered_at DESC, approval_id DESC) WHERE decision IS NOT NULL;
CREATE INDEX approval_requests_answered_by_tenant
  ON approval_requests (tenant_key, answered_at DESC, approval_id DESC)
  WHERE decision IS NOT NULL AND tenant_key IS NOT NULL;
CREATE INDEX approval_requests_by_run ON approval_requests (run_id);
`;

/**
 * The inbox lists client-side tools' calls too (`InboxItemKind`): each row says what it waits
 * for; the rows of before are approvals.
 */
export const addApprovalRequestKind = `
ALTER TABLE approval_requests ADD COLUMN kind text NOT NULL DEFAULT 'tool_approval';
`;
