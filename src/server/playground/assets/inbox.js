// @ts-check
/**
 * The approvals inbox page: signs in with the identity provider (`inbox-sign-in.js`, when the
 * gateway configures single sign-on) or a pasted token (an identity provider's token, or an API
 * key that opens a session), lists what waits for the person's approval (`GET /approvals`),
 * follows `GET /approvals/stream` so that new calls appear and answered ones leave without a
 * reload (`inbox-stream.js`), and answers with `POST /approvals/:approval_id/answer` (an
 * approval, or a client-side tool's result: `inbox-answers.js`).
 */

import { answerControlsOf } from './inbox-answers.js';
import { ageOf, itemOf } from './inbox-item.js';
import {
  clockTimeOf,
  currentIdentity,
  currentToken,
  forgetCredentials,
  identityOf,
  keepCredentials,
  signedInLine,
  unverifiedClaimsOf,
} from './inbox-credentials.js';
import { createSingleSignOn, signInSettingsOfPage } from './inbox-sign-in.js';
import { followApprovals } from './inbox-stream.js';

/** @typedef {import('./inbox-item.js').Approval} Approval */

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const prefix = document.querySelector('meta[name="gateway-prefix"]')?.getAttribute('content') ?? '';
const list = byId('approvals');
const empty = byId('empty');
const signedOut = byId('signed-out');
const errorBox = byId('error');
const tokenInput = /** @type {HTMLInputElement} */ (byId('token'));
const renewBox = byId('renew');

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
  const token = currentToken();
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
  await refused(`Could not answer ${approval.tool}`, response);
}

/** Shows an approval (newest first); one already shown is left as it is. @param {Approval} approval */
function addApproval(approval) {
  if (shown.has(approval.approval_id)) return;
  const item = itemOf(
    approval,
    answerControlsOf(approval.kind, (body) => answer(approval, body), showError),
  );
  const newer = [...shown.values()].find((entry) => entry.approval.requested_at < approval.requested_at);
  list.insertBefore(item, newer?.item ?? null);
  shown.set(approval.approval_id, { approval, item });
  refreshEmptyState();
}

/** The item the person is on: the one holding the focus, else the one the address names. */
function itemOnScreen() {
  const focused = document.activeElement?.closest('li.approval');
  const id = focused instanceof HTMLElement ? focused.dataset['approvalId'] : undefined;
  return id ?? new URLSearchParams(location.search).get('approval');
}

const settings = signInSettingsOfPage();
const singleSignOn =
  settings === null
    ? undefined
    : createSingleSignOn(settings, { onSignedIn: showAccount, onEnding: askToSignInAgain });

/** The header for a signed-in person. @param {import('./inbox-credentials.js').Identity} identity */
function showAccount(identity) {
  byId('who').textContent = signedInLine(identity);
  byId('account').hidden = false;
  byId('signed-out-actions').hidden = true;
  renewBox.hidden = true;
}

/**
 * The sign-in ends soon (or has ended) and cannot be renewed here: the list stays on screen and
 * "Sign in again" comes back to the same item.
 * @param {import('./inbox-credentials.js').Identity | null} identity
 */
function askToSignInAgain(identity) {
  const ends = identity?.expiresAt ?? null;
  byId('renew-message').textContent =
    ends !== null && ends > Date.now()
      ? `Your sign-in ends at ${clockTimeOf(ends)}. `
      : 'Your sign-in has ended. ';
  byId('sign-in-again').hidden = singleSignOn === undefined;
  renewBox.hidden = false;
}

/** A refused request: an ended sign-in asks for a new one, anything else is shown. @param {string} what @param {Response} response */
async function refused(what, response) {
  if (response.status === 401 && currentToken() !== null) askToSignInAgain(currentIdentity());
  else showError(`${what}: ${await failureOf(response)}`);
}

/** Lists what waits, then follows the changes. */
async function load() {
  following.abort();
  following = new AbortController();
  const response = await call('/approvals?scope=tenant&limit=100');
  if (!response.ok) {
    await refused('Could not list approvals', response);
    return false;
  }
  const body = /** @type {{ approvals: Approval[] }} */ (await response.json());
  for (const approvalId of [...shown.keys()]) removeApproval(approvalId);
  for (const approval of body.approvals) addApproval(approval);
  signedOut.hidden = true;
  // A link from a notification (`inbox_url`) brings its approval into view, ready to answer.
  const linked = new URLSearchParams(location.search).get('approval');
  const target = linked === null ? undefined : shown.get(linked)?.item;
  target?.scrollIntoView({ block: 'center' });
  target?.querySelector('button')?.focus();
  refreshEmptyState();
  void followApprovals({
    call,
    signal: following.signal,
    onRequested: (data) => addApproval(/** @type {Approval} */ (/** @type {unknown} */ (data))),
    onGone: removeApproval,
    onProblem: (message, failed) =>
      void (failed === undefined ? showError(message) : refused(message, failed)),
  });
  return true;
}

/**
 * Signs in with what was pasted: a token the gateway takes as a bearer (an identity provider's,
 * or a session's), else an API key, which opens a session.
 * @param {string} pasted
 */
async function signIn(pasted) {
  showError('');
  keepCredentials(pasted, identityOf(unverifiedClaimsOf(pasted) ?? {}, 'token', settings?.tenantClaim));
  const probe = await call('/approvals?limit=1');
  if (probe.status === 401) {
    forgetCredentials();
    const opened = await call('/chat/init', { json: { api_key: pasted } });
    if (!opened.ok) {
      showError(`Sign-in refused: ${await failureOf(opened)}`);
      return;
    }
    const session = /** @type {{ session_token?: unknown, expires_at?: unknown }} */ (await opened.json());
    const token = session.session_token;
    if (typeof token !== 'string') {
      showError('Sign-in refused: no session token in the answer');
      return;
    }
    const expiresAt = typeof session.expires_at === 'number' ? session.expires_at * 1000 : null;
    keepCredentials(token, { via: 'session', name: null, subject: null, tenant: null, expiresAt });
  }
  const identity = currentIdentity();
  if ((await load()) && identity !== null) showAccount(identity);
}

/** Signs out: a session opened here ends at the gateway, single sign-on at the provider. */
async function signOut() {
  const identity = currentIdentity();
  following.abort();
  if (identity?.via === 'session') await call('/chat/session', { method: 'DELETE' }).catch(() => undefined);
  forgetCredentials();
  for (const approvalId of [...shown.keys()]) removeApproval(approvalId);
  empty.hidden = true;
  signedOut.hidden = false;
  byId('account').hidden = true;
  byId('signed-out-actions').hidden = false;
  renewBox.hidden = true;
  if (identity?.via === 'oidc') await singleSignOn?.signOut();
}

byId('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const pasted = tokenInput.value.trim();
  tokenInput.value = '';
  void signIn(pasted).catch((error) => showError(`Sign-in failed: ${String(error)}`));
});
const toProvider = () =>
  void singleSignOn?.signIn(itemOnScreen()).catch((error) => showError(`Sign-in failed: ${String(error)}`));
byId('single-sign-on').addEventListener('click', toProvider);
byId('sign-in-again').addEventListener('click', toProvider);
byId('sign-out').addEventListener('click', () => void signOut());

// Ages move on while the page stays open.
setInterval(() => {
  for (const { item, approval } of shown.values()) {
    const age = item.querySelector('time.age');
    if (age !== null) age.textContent = ageOf(approval.requested_at);
  }
}, 30_000);

/**
 * On open: the provider's redirect is finished first; a kept sign-in goes on; with single
 * sign-on, a link to one item (`inbox_url`) goes straight to the provider and comes back to it.
 */
async function start() {
  byId('single-sign-on').hidden = singleSignOn === undefined;
  const completed = await singleSignOn?.complete();
  const identity = currentIdentity();
  if (identity !== null) {
    if (completed === undefined && identity.via === 'oidc') singleSignOn?.resume(identity);
    if (await load()) showAccount(identity);
    return;
  }
  if (singleSignOn !== undefined && new URLSearchParams(location.search).has('approval'))
    await singleSignOn.signIn(itemOnScreen());
}

void start().catch((error) => showError(`Sign-in failed: ${String(error)}`));
