import { SLACK_APPROVE_ACTION, SLACK_DENY_ACTION } from './slack-approval-message.js';

/** One click of an approval's button, as Slack's interactivity request says it. */
export interface SlackApprovalClick {
  /** The Slack user who clicked (`U...`). */
  userId: string;
  approvalId: string;
  approved: boolean;
  /** The message the buttons are on, when Slack names it. */
  message?: { channel: string; ts: string };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringAt = (value: unknown, key: string): string | undefined => {
  const field = isObject(value) ? value[key] : undefined;
  return typeof field === 'string' ? field : undefined;
};

/**
 * Reads a click from an interactivity request's body (`application/x-www-form-urlencoded` with
 * a `payload` field of JSON, a `block_actions` payload); undefined when it is not a click of an
 * approval's Approve or Deny button. Called only once the body's signature held.
 */
export function parseSlackApprovalClick(body: string): SlackApprovalClick | undefined {
  const payloadText = new URLSearchParams(body).get('payload');
  if (payloadText === null) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(payloadText);
  } catch {
    return undefined;
  }
  if (!isObject(payload) || payload['type'] !== 'block_actions') return undefined;
  const userId = stringAt(payload['user'], 'id');
  const actions = payload['actions'];
  const action: unknown = Array.isArray(actions) ? actions[0] : undefined;
  const actionId = stringAt(action, 'action_id');
  const approvalId = stringAt(action, 'value');
  if (userId === undefined || approvalId === undefined) return undefined;
  if (actionId !== SLACK_APPROVE_ACTION && actionId !== SLACK_DENY_ACTION) return undefined;
  const channel = stringAt(payload['channel'], 'id') ?? stringAt(payload['container'], 'channel_id');
  const ts = stringAt(payload['message'], 'ts') ?? stringAt(payload['container'], 'message_ts');
  return {
    userId,
    approvalId,
    approved: actionId === SLACK_APPROVE_ACTION,
    ...(channel === undefined || ts === undefined ? {} : { message: { channel, ts } }),
  };
}
