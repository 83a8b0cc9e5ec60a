import { HttpAgent } from '@ag-ui/client';
import { expect } from 'vitest';
import type { Principal } from '../../src/core/principal.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../../src/testing/scripted-turn.js';
import { a2aClientFor, asTask, sendRequest, taskRequest, userMessage } from './a2a-client.js';
import type { CleanupStack } from './cleanup-stack.js';
import { jsonOf } from './gateway-client.js';
import { connectV1Client } from './mcp-sdk-v1-client.js';
import { createSseReader, type SseReader } from './sse-reader.js';
import { createUiChatClient } from './ui-chat-client.js';

/*
 * The cross-tenant matrix of issue 46: one principal makes something on every surface (a native
 * chat waiting for an approval, a `useChat` chat, an AG-UI thread, an A2A task, an MCP session),
 * and three others (the same tenant's other user, the same subject in another tenant, a user of
 * another tenant) try to read, write, answer, cancel and resume each of them. Callers are told
 * apart by the app's `authenticate` hook, which reads `Bearer tp:<tenant>:<subject>`.
 */

/** The `server.auth.authenticate` hook of the matrix: `Bearer tp:<tenant>:<subject>`. */
export const tenantPrincipalHook = (request: Request): Principal | null => {
  const match = /^Bearer tp:([a-z]+):([a-z]+)$/.exec(request.headers.get('authorization') ?? '');
  if (match === null) return null;
  return { subject: match[2] ?? '', tenant: match[1] ?? '', scopes: [], claims: {} };
};

/** The owner of everything, then the three who must reach none of it. */
export const OWNER = 'tp:acme:ada';
export const INTRUDERS = ['tp:acme:bob', 'tp:globex:ada', 'tp:globex:carl'] as const;

/** The model turns the owner's runs use, in order (the native chat's tool call comes last). */
export const matrixTurns = (): ScriptedTurn[] => [
  textTurn('useChat answer.'),
  textTurn('AG-UI answer.'),
  textTurn('A2A answer.'),
  toolCallTurn('delete_file', { path: '/tmp/matrix' }, { id: 'toolu_matrix' }),
  textTurn('Deleted.'),
];

/** What the owner made, by id. */
export interface OwnerResources {
  uiChatId: string;
  agUiThreadId: string;
  nativeThreadId: string;
  taskId: string;
  mcpSessionId: string;
  runId: string;
  toolCallId: string;
  nonce: string;
  /** The native chat's stream, left at its approval request. */
  reader: SseReader;
}

const call = (baseUrl: string, method: string, path: string, token: string, body?: unknown) =>
  fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** The owner makes one thing on every surface through `baseUrl`; the native chat waits for approval. */
export async function makeOwnerResources(cleanup: CleanupStack, baseUrl: string): Promise<OwnerResources> {
  const ui = createUiChatClient({ baseUrl, token: OWNER, id: 'chat_matrix', lastMessageOnly: true });
  await ui.chat.sendMessage({ text: 'Hello from useChat' });
  expect(ui.errors).toEqual([]);

  const agUi = new HttpAgent({
    url: `${baseUrl}/ag-ui`,
    threadId: 'thread_agui_matrix',
    headers: { Authorization: `Bearer ${OWNER}` },
  });
  agUi.addMessage({ id: 'agui_u1', role: 'user', content: 'Hello from AG-UI' });
  await agUi.runAgent();

  const a2a = await a2aClientFor(new URL(baseUrl).origin, OWNER);
  const task = asTask(
    await a2a.sendMessage(sendRequest(userMessage('Hello from A2A'), { returnImmediately: false })),
  );

  const { client, transport } = await connectV1Client(baseUrl, OWNER);
  cleanup.add(client, (open) => open.close());

  const response = await call(baseUrl, 'POST', '/chat', OWNER, {
    messages: [{ role: 'user', content: 'delete /tmp/matrix' }],
    thread_id: 'thr_native_matrix',
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  const request = await reader.nextOfType('tool_approval_request');
  return {
    uiChatId: 'chat_matrix',
    agUiThreadId: 'thread_agui_matrix',
    nativeThreadId: 'thr_native_matrix',
    taskId: task.id,
    mcpSessionId: transport.sessionId ?? '',
    runId: String(reader.frames.at(-1)?.runId),
    toolCallId: String(request['tool_call_id']),
    nonce: String(request['nonce']),
    reader,
  };
}

/** A status (or a thrown A2A error) for the report: the intruder must get no 2xx. */
const statusOf = async (attempt: Promise<Response>): Promise<number> => (await attempt).status;

/**
 * `intruder` tries every read, write, answer, cancel and resume on the owner's things through
 * `baseUrl`; returns each attempt that was not refused (empty when the matrix holds).
 */
export async function crossOwnerAttempts(
  baseUrl: string,
  intruder: string,
  owned: OwnerResources,
): Promise<string[]> {
  const leaks: string[] = [];
  const refused = async (label: string, attempt: Promise<Response>, allowed: number[] = [404]) => {
    const status = await statusOf(attempt);
    if (!allowed.includes(status)) leaks.push(`${intruder} ${label}: ${status}`);
  };
  const threadIds = [owned.uiChatId, owned.agUiThreadId, owned.nativeThreadId];
  const listed = JSON.stringify(await jsonOf(await call(baseUrl, 'GET', '/threads', intruder)));
  for (const id of threadIds) if (listed.includes(id)) leaks.push(`${intruder} lists ${id}`);
  for (const id of threadIds) {
    await refused(`reads thread ${id}`, call(baseUrl, 'GET', `/threads/${id}`, intruder));
    await refused(`lists runs of ${id}`, call(baseUrl, 'GET', `/threads/${id}/runs`, intruder));
    await refused(`renames ${id}`, call(baseUrl, 'PATCH', `/threads/${id}`, intruder, { title: 'mine' }));
    await refused(`deletes ${id}`, call(baseUrl, 'DELETE', `/threads/${id}`, intruder));
    await refused(
      `reads useChat messages of ${id}`,
      call(baseUrl, 'GET', `/ui/chat/${id}/messages`, intruder),
    );
  }
  await refused('reads the run', call(baseUrl, 'GET', `/runs/${owned.runId}`, intruder));
  await refused('reads the approvals', call(baseUrl, 'GET', `/runs/${owned.runId}/approvals`, intruder));
  await refused('cancels the run by id', call(baseUrl, 'POST', `/runs/${owned.runId}/cancel`, intruder));
  await refused('cancels its session run', call(baseUrl, 'POST', '/chat/cancel', intruder, {}));
  await refused(
    'answers the approval',
    call(baseUrl, 'POST', '/chat/tool-approval', intruder, {
      tool_call_id: owned.toolCallId,
      nonce: owned.nonce,
      approved: true,
    }),
  );
  await refused(
    'answers the approval by run id',
    call(baseUrl, 'POST', `/runs/${owned.runId}/tool-approval`, intruder, {
      tool_call_id: owned.toolCallId,
      nonce: owned.nonce,
      approved: true,
    }),
  );
  await refused(
    'resumes the stream',
    call(baseUrl, 'GET', `/chat/stream?after=${owned.runId}:0`, intruder),
    [404, 204],
  );
  await refused(
    'writes to the useChat chat',
    call(baseUrl, 'POST', '/ui/chat', intruder, {
      id: owned.uiChatId,
      message: { id: 'x1', role: 'user', parts: [{ type: 'text', text: 'What did they say?' }] },
    }),
  );
  await refused(
    'resumes the useChat stream',
    call(baseUrl, 'GET', `/ui/chat/${owned.uiChatId}/stream`, intruder),
    [404, 204],
  );
  await refused(
    'runs on the AG-UI thread',
    call(baseUrl, 'POST', '/ag-ui', intruder, {
      threadId: owned.agUiThreadId,
      runId: 'r_x',
      state: {},
      messages: [{ id: 'x2', role: 'user', content: 'What did they say?' }],
      tools: [],
      context: [],
      forwardedProps: {},
    }),
  );
  await refused(
    'borrows the MCP session',
    fetch(`${baseUrl}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${intruder}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        'mcp-session-id': owned.mcpSessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    }),
  );
  const a2a = await a2aClientFor(new URL(baseUrl).origin, intruder);
  for (const [label, attempt] of [
    ['reads the A2A task', () => a2a.getTask(taskRequest(owned.taskId))],
    ['cancels the A2A task', () => a2a.cancelTask({ ...taskRequest(owned.taskId), metadata: undefined })],
  ] as const) {
    const outcome = await attempt().then(
      () => 'answered',
      () => 'refused',
    );
    if (outcome !== 'refused') leaks.push(`${intruder} ${label}: ${outcome}`);
  }
  return leaks;
}

/** The owner still reaches all of it, and its approval runs the tool. */
export async function expectOwnerKeepsAll(baseUrl: string, owned: OwnerResources): Promise<void> {
  for (const id of [owned.uiChatId, owned.agUiThreadId, owned.nativeThreadId]) {
    expect((await call(baseUrl, 'GET', `/threads/${id}`, OWNER)).status, id).toBe(200);
  }
  const approved = await call(baseUrl, 'POST', '/chat/tool-approval', OWNER, {
    tool_call_id: owned.toolCallId,
    nonce: owned.nonce,
    approved: true,
  });
  expect(approved.status).toBe(200);
  await owned.reader.rest();
  const audit = await call(baseUrl, 'GET', `/runs/${owned.runId}/approvals`, OWNER);
  expect(audit.status).toBe(200);
  expect(JSON.stringify(await jsonOf(audit))).toContain(
    JSON.stringify({ issuer: 'authenticate', tenant: 'acme', subject: 'ada' }),
  );
  const a2a = await a2aClientFor(new URL(baseUrl).origin, OWNER);
  expect((await a2a.getTask(taskRequest(owned.taskId))).id).toBe(owned.taskId);
}
