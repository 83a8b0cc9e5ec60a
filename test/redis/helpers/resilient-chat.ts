import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { isTerminalEvent, type GatewayEvent } from '../../../src/core/events.js';
import { createSseReader, type SseFrame } from '../../helpers/sse-reader.js';

/** One response a client got through the load balancer. */
export interface ObservedResponse {
  route: string;
  status: number;
  /** The body of a 5xx answer, so that a failure says which refusal it was. */
  detail?: string;
}

/** What one client saw of one chat, across every (re-)attachment. */
export interface ResilientChatRecord {
  sessionId: string;
  token: string;
  runId: string | undefined;
  /** Every numbered frame in the order received, across attachments (duplicates kept). */
  received: SseFrame[];
  /** When each frame of `received` arrived (`performance.now()`), index for index. */
  receivedAt: number[];
  /** Every response status, in order (each one counts, also those of retried requests). */
  responses: ObservedResponse[];
  /** Requests that got no response at all, and streams that broke while being read. */
  networkErrors: string[];
  /** How many times the client re-attached with `GET /chat/stream`. */
  reattachments: number;
  /** The terminal event the client saw last, if any. */
  terminal: GatewayEvent | undefined;
  /** Set when `signal` aborted before the chat ended: why. */
  gaveUp?: string;
}

/** Options of `runResilientChat`. */
export interface ResilientChatOptions {
  /** The balancer's URL plus the route prefix (`http://127.0.0.1:<port>/api`). */
  baseUrl: string;
  message: string;
  /** Gives up when aborted (the record then says `gaveUp`): the test's bound on one chat. */
  signal: AbortSignal;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Plays one chat as a robust client would through a load balancer: opens a session, posts the
 * message, approves every `tool_approval_request` it sees, and whenever the stream breaks or
 * ends without a terminal event re-attaches with `GET /chat/stream` and `Last-Event-ID`. Requests
 * that fail without an answer or with a 5xx are retried after a short pause; every status is
 * recorded. Resolves once a terminal event arrived, or once `signal` aborted (`gaveUp`).
 */
export async function runResilientChat(options: ResilientChatOptions): Promise<ResilientChatRecord> {
  const record: ResilientChatRecord = {
    sessionId: '',
    token: '',
    runId: undefined,
    received: [],
    receivedAt: [],
    responses: [],
    networkErrors: [],
    reattachments: 0,
    terminal: undefined,
  };
  try {
    await playChat(options, record);
  } catch (error) {
    if (!options.signal.aborted) throw error;
    record.gaveUp = describe(options.signal.reason);
  }
  return record;
}

async function playChat(options: ResilientChatOptions, record: ResilientChatRecord): Promise<void> {
  const { baseUrl, signal } = options;
  const approvals: Array<Promise<unknown>> = [];

  /** One request; undefined when it got no response (recorded). */
  const send = async (route: string, init: RequestInit): Promise<Response | undefined> => {
    try {
      const headers = new Headers(init.headers);
      if (record.token !== '') headers.set('authorization', `Bearer ${record.token}`);
      const response = await fetch(`${baseUrl}${route}`, { ...init, headers, signal });
      record.responses.push(
        response.status >= 500
          ? { route, status: response.status, detail: await response.clone().text() }
          : { route, status: response.status },
      );
      return response;
    } catch (error) {
      signal.throwIfAborted();
      record.networkErrors.push(`${route}: ${describe(error)}`);
      return undefined;
    }
  };
  /** A JSON POST retried until it gets an answer below 500. */
  const postUntilAnswered = async (route: string, body: unknown): Promise<Response> => {
    for (;;) {
      const response = await send(route, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response !== undefined && response.status < 500) return response;
      await response?.body?.cancel();
      await delay(100, undefined, { signal });
    }
  };

  const init = await postUntilAnswered('/chat/init', { api_key: 'test-client-key' });
  const session = (await init.json()) as Record<string, unknown>;
  if (init.status !== 200) throw new Error(`chat/init answered ${init.status}: ${JSON.stringify(session)}`);
  record.sessionId = String(session['session_id']);
  record.token = String(session['session_token']);

  const approve = (event: Extract<GatewayEvent, { type: 'tool_approval_request' }>): void => {
    const answer = { tool_call_id: event.tool_call_id, nonce: event.nonce, approved: true };
    // 404 or 409 are fine: the request was withdrawn (its run moved) or already answered.
    approvals.push(
      postUntilAnswered('/chat/tool-approval', answer).then((response) => response.body?.cancel()),
    );
  };

  /** Reads a stream until its end; true once a terminal event arrived. */
  const consume = async (response: Response): Promise<boolean> => {
    const reader = createSseReader(response);
    try {
      for (let frame = await reader.next(); frame !== undefined; frame = await reader.next()) {
        if (frame.id === undefined) continue;
        record.received.push(frame);
        record.receivedAt.push(performance.now());
        record.runId = frame.runId;
        if (frame.event.type === 'tool_approval_request') approve(frame.event);
        if (isTerminalEvent(frame.event)) {
          record.terminal = frame.event;
          await reader.cancel();
          return true;
        }
      }
    } catch (error) {
      signal.throwIfAborted();
      record.networkErrors.push(`stream: ${describe(error)}`);
    }
    return false;
  };

  let response = await send('/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: options.message }] }),
  });
  for (;;) {
    signal.throwIfAborted();
    if (response?.status === 200 && (await consume(response))) break;
    const last = record.received.at(-1);
    // No run to stream for this session, and no event seen: the chat request never started one.
    const noRun = (response?.status === 204 || response?.status === 404) && last === undefined;
    if (response !== undefined && response.status !== 200) {
      const text = await response.text();
      // 409: the chat request was replayed after its run started.
      if (response.status < 500 && !noRun && response.status !== 204 && response.status !== 409) {
        throw new Error(`${response.url} answered ${response.status}: ${text}`);
      }
    }
    if (response === undefined || response.status >= 500 || noRun) await delay(100, undefined, { signal });
    if (noRun) {
      // E.g. its instance died before the run began, or the answer was lost. Post it again.
      response = await send('/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: options.message }] }),
      });
      continue;
    }
    record.reattachments += 1;
    response = await send('/chat/stream', {
      headers: last === undefined ? {} : { 'last-event-id': `${String(last.runId)}:${String(last.id)}` },
    });
  }
  await Promise.all(approvals);
}

/** Every event of the chat's run from the shared log, read through the balancer from the start. */
export async function replayRun(baseUrl: string, record: ResilientChatRecord): Promise<SseFrame[]> {
  const response = await fetch(`${baseUrl}/chat/stream`, {
    headers: { authorization: `Bearer ${record.token}`, 'last-event-id': `${String(record.runId)}:0` },
  });
  record.responses.push({ route: '/chat/stream (replay)', status: response.status });
  if (response.status !== 200) throw new Error(`the replay answered ${response.status}`);
  return (await createSseReader(response).rest()).filter((frame) => frame.id !== undefined);
}

/** What went on in a chat (statuses per route, the last event, the first errors), for a failure message. */
export function chatSummary(record: ResilientChatRecord): string {
  const statuses = new Map<string, number>();
  for (const { route, status } of record.responses) {
    const key = `${route} ${status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  const last = record.received.at(-1);
  return JSON.stringify({
    session: record.sessionId,
    gaveUp: record.gaveUp,
    received: record.received.length,
    last: last === undefined ? undefined : `${String(last.id)} ${last.event.type}`,
    statuses: Object.fromEntries(statuses),
    errors: record.networkErrors.slice(0, 5),
  });
}
