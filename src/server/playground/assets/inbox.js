// @ts-check
/**
 * The approvals inbox page: signs in with a pasted token (an identity provider's token, or an API
 * key that opens a session), lists what waits for the person's approval (`GET /approvals`),
 * follows `GET /approvals/stream` so that new calls appear and answered ones leave without a
 * reload, and answers with `POST /approvals/:approval_id/answer` (an approval, or a client-side
 * tool's result: `inbox-answers.js`).
 */

import { answerControlsOf } from './inbox-answers.js';

/** @typedef {{ issuer: string | null, tenant: string | null, subject: string | null }} Principal */
/**
 * @typedef {{
 *   approval_id: string, kind?: string, run_id: string, thread_id: string | null, thread_title: string | null,
 *   tool: string, input: unknown, requested_by: Principal, requested_at: string, expires_at: string,
 *   state: string
 * }} Approval
 */

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const prefix = document.querySelector('meta[name="gateway-prefix"]')?.getAttribute('content') ?? '';
const TOKEN_KEY = 'agent-gateway-inbox-token';
const list = byId('approvals');
const empty = byId('empty');
const signedOut = byId('signed-out');
const errorBox = byId('error');
const who = byId('who');
const tokenInput = /** @type {HTMLInputElement} */ (byId('token'));

/** @type {Map<string, { approval: Approval, item: HTMLLIElement }>} */
const shown = new Map();
/** The stream being followed; aborted on sign-in again. */
let following = new AbortController();

/** @param {string} message */
function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = message === '';
}

/**
 * @param {string} path
 * @param {RequestInit & { json?: unknown }} [init]
 */
function call(path, init = {}) {
  const headers = new Headers(init.headers);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${prefix}${path}`, {
    ...init,
    headers,
    ...(init.json === undefined ? {} : { method: 'POST', body: JSON.stringify(init.json) }),
  });
}

/** The reason of a refused request, from its JSON body. @param {Response} response */
async function failureOf(response) {
  const body = /** @type {Record<string, unknown>} */ (await response.json().catch(() => ({})));
  const detail = typeof body['detail'] === 'string' ? body['detail'] : response.statusText;
  return `${response.status}: ${detail}`;
}

/** "3 min ago", from an ISO time. @param {string} iso */
function ageOf(iso) {
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

function refreshEmptyState() {
  empty.hidden = shown.size !== 0;
}

/** @param {string} approvalId */
function removeApproval(approvalId) {
  const entry = shown.get(approvalId);
  if (entry === undefined) return;
  const next = /** @type {HTMLElement | null} */ (
    entry.item.nextElementSibling ?? entry.item.previousElementSibling
  );
  const hadFocus = entry.item.contains(document.activeElement);
  entry.item.remove();
  shown.delete(approvalId);
  // Keyboard users keep their place: focus moves to the next call's first button.
  if (hadFocus) next?.querySelector('button')?.focus();
  refreshEmptyState();
}

/**
 * Answers an item with `body` (its kind's); it leaves the list once answered (by anyone).
 * @param {Approval} approval
 * @param {Record<string, unknown>} body
 */
async function answer(approval, body) {
  showError('');
  const response = await call(`/approvals/${encodeURIComponent(approval.approval_id)}/answer`, {
    json: body,
  });
  if (response.ok || response.status === 409) {
    removeApproval(approval.approval_id);
    return;
  }
  showError(`Could not answer ${approval.tool}: ${await failureOf(response)}`);
}

/** Builds one call's entry. @param {Approval} approval */
function itemOf(approval) {
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
  about.append(age);
  const input = document.createElement('pre');
  input.className = 'input';
  input.textContent = JSON.stringify(approval.input, null, 2);
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(...answerControlsOf(approval.kind, (body) => answer(approval, body), showError));
  item.append(title, about, input, actions);
  return item;
}

/** Shows an approval (newest first); one already shown is left as it is. @param {Approval} approval */
function addApproval(approval) {
  if (shown.has(approval.approval_id)) return;
  const item = itemOf(approval);
  const newer = [...shown.values()].find((entry) => entry.approval.requested_at < approval.requested_at);
  list.insertBefore(item, newer?.item ?? null);
  shown.set(approval.approval_id, { approval, item });
  refreshEmptyState();
}

/** @param {string} text @returns {{ event: string, id: string | undefined, data: string } | undefined} */
function parseFrame(text) {
  let event = 'message';
  /** @type {string | undefined} */
  let id;
  const data = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { event, id, data: data.join('\n') };
}

/**
 * Follows the stream until `signal` aborts, reconnecting (with the last event's id) when it drops.
 * @param {AbortSignal} signal
 */
async function follow(signal) {
  /** @type {string | undefined} */
  let lastId;
  while (!signal.aborted) {
    try {
      const response = await call('/approvals/stream?scope=tenant', {
        signal,
        headers: lastId === undefined ? {} : { 'last-event-id': lastId },
      });
      if (!response.ok || response.body === null) throw new Error(await failureOf(response));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += value.replaceAll('\r\n', '\n');
        for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
          const frame = parseFrame(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          if (frame === undefined) continue;
          if (frame.id !== undefined) lastId = frame.id;
          const data = /** @type {Record<string, unknown>} */ (JSON.parse(frame.data));
          if (frame.event === 'approval_requested')
            addApproval(/** @type {Approval} */ (/** @type {unknown} */ (data)));
          else removeApproval(String(data['approval_id']));
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      showError(`Live updates stopped (${String(error)}); retrying`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Lists what waits, then follows the changes. */
async function load() {
  following.abort();
  following = new AbortController();
  for (const approvalId of [...shown.keys()]) removeApproval(approvalId);
  const response = await call('/approvals?scope=tenant&limit=100');
  if (!response.ok) {
    showError(`Could not list approvals: ${await failureOf(response)}`);
    return false;
  }
  const body = /** @type {{ approvals: Approval[] }} */ (await response.json());
  for (const approval of body.approvals) addApproval(approval);
  signedOut.hidden = true;
  // A link from a notification (`inbox_url`) brings its approval into view, ready to answer.
  const linked = new URLSearchParams(location.search).get('approval');
  const target = linked === null ? undefined : shown.get(linked)?.item;
  target?.scrollIntoView({ block: 'center' });
  target?.querySelector('button')?.focus();
  refreshEmptyState();
  void follow(following.signal);
  return true;
}

/**
 * Signs in with what was pasted: a token the gateway takes as a bearer (an identity provider's,
 * or a session's), else an API key, which opens a session.
 * @param {string} pasted
 */
async function signIn(pasted) {
  showError('');
  sessionStorage.setItem(TOKEN_KEY, pasted);
  const probe = await call('/approvals?limit=1');
  if (probe.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    const opened = await call('/chat/init', { json: { api_key: pasted } });
    if (!opened.ok) {
      showError(`Sign-in refused: ${await failureOf(opened)}`);
      return;
    }
    const session = /** @type {{ session_token?: unknown }} */ (await opened.json());
    const token = session.session_token;
    if (typeof token !== 'string') {
      showError('Sign-in refused: no session token in the answer');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
  }
  if (await load()) who.textContent = 'Signed in';
}

byId('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const pasted = tokenInput.value.trim();
  tokenInput.value = '';
  void signIn(pasted).catch((error) => showError(`Sign-in failed: ${String(error)}`));
});

// Ages move on while the page stays open.
setInterval(() => {
  for (const { item, approval } of shown.values()) {
    const age = item.querySelector('time.age');
    if (age !== null) age.textContent = ageOf(approval.requested_at);
  }
}, 30_000);

if (sessionStorage.getItem(TOKEN_KEY) !== null) {
  void load().then((ok) => {
    if (ok) who.textContent = 'Signed in';
  });
}
