// @ts-check
import { createRenderer } from './render.js';
import { parseEventId, readSse } from './sse.js';
import { createThreadList } from './threads.js';

/** @typedef {Record<string, unknown>} GatewayEvent */

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} name */
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';

const prefix = meta('gateway-prefix');
const models = meta('gateway-models')
  .split(',')
  .filter((model) => model !== '');
const TOKEN_KEY = 'agent-gateway-playground-token';
/** The message whose run the page follows, kept so that a reload can show it again. */
const PENDING_KEY = 'agent-gateway-playground-pending';
const transcript = byId('transcript');
const banner = byId('banner');
const rawEvents = byId('raw-events');
const eventCount = byId('event-count');
const stopButton = /** @type {HTMLButtonElement} */ (byId('stop'));
const sendButton = /** @type {HTMLButtonElement} */ (byId('send'));
const modelSelect = /** @type {HTMLSelectElement} */ (byId('model'));

/** @type {Array<{ role: 'user' | 'assistant', content: string }>} */
const history = [];
let rawCount = 0;

/**
 * @param {string} message
 * @param {'info' | 'error'} [kind]
 */
function showBanner(message, kind = 'info') {
  banner.textContent = message;
  banner.className = kind === 'error' ? 'error' : '';
  banner.hidden = message === '';
}

/**
 * @param {string} path
 * @param {RequestInit & { json?: unknown }} [init]
 */
async function call(path, init = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = new Headers(init.headers);
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
  const detail = body.detail ?? body.error;
  return `${response.status}: ${typeof detail === 'string' ? detail : JSON.stringify(detail ?? response.statusText)}`;
}

/** The last event read, to follow a suspended run from there once an answer resumes it. */
/** @type {{ runId: string, seq: number } | undefined} */
let lastSeen;

/**
 * An answer to a run the gateway had suspended (it waited too long) starts it again: follow it
 * from where its stream ended.
 * @param {Response} response
 */
async function followIfResumed(response) {
  const body = /** @type {Record<string, unknown>} */ (await response.json().catch(() => ({})));
  if (body.resumed !== true || typeof body.run_id !== 'string') return;
  const seq = lastSeen?.runId === body.run_id ? lastSeen.seq : 0;
  const stream = await call('/chat/stream', { headers: { 'last-event-id': `${body.run_id}:${seq}` } });
  if (!stream.ok) return;
  showBanner('');
  stopButton.disabled = false;
  await follow(stream);
  stopButton.disabled = true;
}

const renderer = createRenderer(transcript, {
  async answerApproval(event, approved, always) {
    const response = await call('/chat/tool-approval', {
      json: { tool_call_id: event.tool_call_id, nonce: event.nonce, approved, allow_tool_type: always },
    });
    if (!response.ok) return failureOf(response);
    void followIfResumed(response);
    return undefined;
  },
  async answerClientTool(event, body) {
    const response = await call('/chat/tool-result', {
      json: { tool_call_id: event.tool_call_id, nonce: event.nonce, ...body },
    });
    if (!response.ok) return failureOf(response);
    void followIfResumed(response);
    return undefined;
  },
});

/**
 * A stored tool result as the event that carried it live (without its duration).
 * @param {Record<string, unknown>} block
 * @returns {GatewayEvent}
 */
function storedResult(block) {
  const content = block.content;
  /** @type {unknown} */
  let value = content;
  if (typeof content === 'string') {
    try {
      value = JSON.parse(content);
    } catch {
      value = content;
    }
  }
  return {
    type: 'tool_call_complete',
    tool_call_id: block.tool_use_id,
    result: block.is_error === true ? null : value,
    error: block.is_error === true ? value : null,
  };
}

/**
 * Shows a stored conversation: the user's words, the assistant's text and its tool calls.
 * @param {Array<{ role: string, content: unknown }>} messages
 */
function showStored(messages) {
  for (const message of messages) {
    const blocks = /** @type {Array<Record<string, unknown>>} */ (
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : Array.isArray(message.content)
          ? message.content
          : []
    );
    const text = blocks
      .filter((block) => block.type === 'text')
      .map((block) => String(block.text))
      .join('');
    if (message.role === 'user') {
      // Tool results are the tools' answers, shown on their cards as they were live.
      for (const block of blocks) if (block.type === 'tool_result') renderer.handle(storedResult(block));
      if (text === '') continue;
      renderer.userTurn(text);
      history.push({ role: 'user', content: text });
      continue;
    }
    for (const block of blocks) {
      if (block.type === 'text') renderer.handle({ type: 'text_delta', text: block.text });
      if (block.type === 'tool_use') {
        renderer.handle({
          type: 'tool_call_start',
          tool_call_id: block.id,
          tool_name: block.name,
          tool_input: block.input,
          execution_location: 'backend',
          call_index: 0,
        });
      }
    }
    if (text !== '') history.push({ role: 'assistant', content: text });
  }
}

const threads = createThreadList({
  list: byId('thread-list'),
  panel: byId('threads'),
  call,
  onOpen: showStored,
  onClear: () => {
    renderer.clear();
    history.length = 0;
  },
});
byId('new-thread').addEventListener('click', () => void threads.start());

function showSession() {
  const open = sessionStorage.getItem(TOKEN_KEY) !== null;
  byId('session-state').textContent = open ? 'session open' : 'no session';
  sendButton.disabled = !open;
}

byId('session-form').addEventListener('submit', (submitted) => {
  submitted.preventDefault();
  const key = /** @type {HTMLInputElement} */ (byId('api-key')).value;
  void (async () => {
    const response = await fetch(`${prefix}/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: key }),
    });
    if (!response.ok) {
      sessionStorage.removeItem(TOKEN_KEY);
      showBanner(`Could not open a session: ${await failureOf(response)}`, 'error');
    } else {
      const { session_token: token } = /** @type {{ session_token: string }} */ (await response.json());
      sessionStorage.setItem(TOKEN_KEY, token);
      showBanner('');
      await threads.restore();
    }
    showSession();
  })();
});

/** Follows a run: reads the stream, and after a drop resumes it from the last event it got. */
async function follow(/** @type {Response} */ first) {
  /** @type {{ runId: string, seq: number } | undefined} */
  let last;
  let ended = false;
  let gaps = 0;
  let duplicates = 0;
  let drops = 0;
  /** @param {{ id: string | undefined, data: GatewayEvent }} frame */
  const onEvent = ({ id, data }) => {
    const position = parseEventId(id);
    if (position !== undefined && last !== undefined && position.runId === last.runId) {
      if (position.seq <= last.seq) return void (duplicates += 1);
      if (position.seq !== last.seq + 1) gaps += 1;
    }
    if (position !== undefined) last = position;
    if (position !== undefined) lastSeen = position;
    rawCount += 1;
    eventCount.textContent = `(${rawCount})`;
    rawEvents.append(`${id ?? '-'} ${JSON.stringify(data)}\n`);
    if (data.type === 'stream_retry') showBanner(`The model call failed (${String(data.error)}); retrying.`);
    if (data.type === 'stream_complete' || data.type === 'error' || data.type === 'stream_error')
      ended = true;
    renderer.handle(data);
  };
  let response = first;
  for (let attempt = 0; !ended; attempt += 1) {
    try {
      await readSse(response, onEvent);
      if (!ended) throw new Error('the stream ended early');
    } catch {
      if (ended) break;
      drops += 1;
      showBanner('Connection lost: reconnecting...');
      await new Promise((resolve) => setTimeout(resolve, Math.min(4000, 250 * 2 ** attempt)));
      const headers = last === undefined ? undefined : { 'last-event-id': `${last.runId}:${last.seq}` };
      const again = await call('/chat/stream', headers === undefined ? {} : { headers }).catch(
        () => undefined,
      );
      if (again?.status === 204) break;
      if (again === undefined || !again.ok) {
        if (attempt >= 8) return showBanner('Could not reconnect to the run.', 'error');
        response = new Response(null);
        continue;
      }
      response = again;
    }
  }
  if (drops > 0) {
    const intact =
      gaps === 0
        ? `events 1-${last?.seq ?? 0} arrived once each, in order`
        : `${gaps} gap(s) in the event ids`;
    showBanner(`Reconnected after ${drops} drop(s): ${intact}; ${duplicates} repeat(s) skipped.`);
  }
}

byId('chat-form').addEventListener('submit', (submitted) => {
  submitted.preventDefault();
  const input = /** @type {HTMLTextAreaElement} */ (byId('message'));
  const text = input.value.trim();
  if (text === '') return;
  input.value = '';
  history.push({ role: 'user', content: text });
  renderer.userTurn(text);
  sendButton.disabled = true;
  stopButton.disabled = false;
  sessionStorage.setItem(PENDING_KEY, text);
  void (async () => {
    const model = modelSelect.hidden ? undefined : modelSelect.value;
    // A stored thread holds the history: only the new message goes over the wire.
    const messages = threads.enabled ? [{ role: 'user', content: text }] : history;
    const response = await call('/chat', {
      json: {
        messages,
        ...(model === undefined ? {} : { model }),
        ...(threads.enabled ? { thread_id: threads.current() } : {}),
      },
    });
    if (!response.ok) {
      if (response.status === 401) sessionStorage.removeItem(TOKEN_KEY);
      renderer.notice(`The chat was refused: ${await failureOf(response)}`, 'failure');
      history.pop();
    } else {
      showBanner('');
      await follow(response);
      history.push({ role: 'assistant', content: renderer.answer() });
      if (threads.enabled) await threads.refresh();
    }
    sessionStorage.removeItem(PENDING_KEY);
    stopButton.disabled = true;
    showSession();
  })();
});

/**
 * The run id of a stream's first event, read from a copy of the stream (the original is left
 * unread for `follow`).
 * @param {ReadableStream<Uint8Array>} copy
 * @returns {Promise<string | undefined>}
 */
async function firstRunIdOf(copy) {
  /** @type {string | undefined} */
  let runId;
  const found = new Error('found');
  await readSse(new Response(copy), ({ id }) => {
    runId = parseEventId(id)?.runId;
    throw found;
  }).catch(() => undefined);
  void copy.cancel().catch(() => undefined);
  return runId;
}

/**
 * After a reload: the run the page was following, if it still runs (or waits, suspended, for
 * an answer), shown again from its first event under the message that started it, with its
 * waiting card answerable and Stop enabled. A run that ended meanwhile is in the stored thread
 * already (or, without threads, is shown as it ended).
 */
async function resumeAfterReload() {
  const pending = sessionStorage.getItem(PENDING_KEY);
  if (pending === null) return;
  const response = await call('/chat/stream');
  if (response.status !== 200 || response.body === null) {
    sessionStorage.removeItem(PENDING_KEY);
    return;
  }
  const [copy, body] = response.body.tee();
  const runId = await firstRunIdOf(copy);
  if (threads.enabled && runId !== undefined) {
    const run = await call(`/runs/${encodeURIComponent(runId)}`);
    /** @type {{ status?: string }} */
    const record = run.ok ? await run.json() : {};
    const status = record.status;
    if (status !== 'running' && status !== 'suspended') {
      void body.cancel();
      sessionStorage.removeItem(PENDING_KEY);
      return;
    }
  }
  history.push({ role: 'user', content: pending });
  renderer.userTurn(pending);
  sendButton.disabled = true;
  stopButton.disabled = false;
  await follow(new Response(body, { headers: response.headers }));
  history.push({ role: 'assistant', content: renderer.answer() });
  sessionStorage.removeItem(PENDING_KEY);
  if (threads.enabled) await threads.refresh();
  stopButton.disabled = true;
  showSession();
}

stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  void call('/chat/cancel', { json: {} });
});

if (models.length > 1) {
  for (const model of models) modelSelect.append(new Option(model, model));
  modelSelect.hidden = false;
}
showSession();
if (sessionStorage.getItem(TOKEN_KEY) !== null) void threads.restore().then(resumeAfterReload);
