// @ts-check
/**
 * One item of the inbox page as a list entry: the tool, who asked, in which thread, how long ago
 * and until when it waits, its input, and the answer controls of its kind.
 */

import { clockTimeOf } from './inbox-credentials.js';

/** @typedef {{ issuer: string | null, tenant: string | null, subject: string | null }} Principal */
/**
 * @typedef {{
 *   approval_id: string, kind?: string, run_id: string, thread_id: string | null, thread_title: string | null,
 *   tool: string, input: unknown, requested_by: Principal, requested_at: string, expires_at: string,
 *   state: string
 * }} Approval
 */

/** "3 min ago", from an ISO time. @param {string} iso */
export function ageOf(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** Who asked, as a person reads it. @param {Principal} principal */
const requesterOf = (principal) =>
  principal.subject === null
    ? 'an API key'
    : principal.tenant === null
      ? principal.subject
      : `${principal.subject} (${principal.tenant})`;

/**
 * Builds one item's entry around its answer controls.
 * @param {Approval} approval
 * @param {HTMLElement[]} controls
 */
export function itemOf(approval, controls) {
  const item = document.createElement('li');
  item.className = 'approval';
  item.dataset['approvalId'] = approval.approval_id;
  item.dataset['kind'] = approval.kind ?? 'tool_approval';
  const title = document.createElement('h2');
  title.className = 'tool';
  title.textContent = approval.tool;
  const about = document.createElement('p');
  about.className = 'about muted';
  const thread = approval.thread_title ?? approval.thread_id ?? 'no thread';
  const what = approval.kind === 'client_tool_result' ? 'A result asked' : 'Asked';
  about.textContent = `${what} by ${requesterOf(approval.requested_by)} · ${thread} · `;
  const age = document.createElement('time');
  age.className = 'age';
  age.dateTime = approval.requested_at;
  age.textContent = ageOf(approval.requested_at);
  const expires = document.createElement('time');
  expires.className = 'expires';
  expires.dateTime = approval.expires_at;
  expires.textContent = `waits until ${clockTimeOf(Date.parse(approval.expires_at))}`;
  about.append(age, ' · ', expires);
  const input = document.createElement('pre');
  input.className = 'input';
  input.textContent = JSON.stringify(approval.input, null, 2);
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(...controls);
  item.append(title, about, input, actions);
  return item;
}
