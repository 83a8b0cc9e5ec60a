import { TaskState } from '@a2a-js/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import {
  a2aClientFor,
  asTask,
  sendRequest,
  statusDataOf,
  taskRequest,
  userMessage,
} from './helpers/a2a-client.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { startGuardedToolAgent } from './helpers/guarded-tool-agent.js';
import { sendAs } from './helpers/send-as.js';
import { createSseReader } from './helpers/sse-reader.js';
import type { StartMockAgentOptions } from './helpers/start-mock-agent.js';

/*
 * Who owns what a session makes: a session opened without an asserted user owns its threads,
 * runs, approvals and A2A tasks itself, so two clients typing the same key never share them;
 * sessions of one asserted user (from a server-side key) do.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** The key `startGuardedToolAgent` opens its session with: the one everyone types. */
const SHARED_KEY = 'test-client-key';
const BACKEND_KEY = 'backend-key';

async function startOwnersAgent(turns: StartMockAgentOptions['turns']) {
  return startGuardedToolAgent(
    cleanup,
    turns,
    { name: 'delete_file', description: 'Deletes a file', field: 'path', resultKey: 'deleted' },
    {
      spec: {
        server: {
          validApiKeys: [SHARED_KEY, BACKEND_KEY],
          serverSideApiKeys: [BACKEND_KEY],
          database: createMemoryThreadStore(),
          a2a: true,
        },
      },
    },
  );
}

async function sessionOf(gateway: GatewayClient, apiKey: string, user?: string) {
  const response = await gateway.post('/chat/init', {
    api_key: apiKey,
    ...(user === undefined ? {} : { user }),
  });
  const body = await jsonOf(response);
  expect(response.status, JSON.stringify(body)).toBe(200);
  return { token: String(body['session_token']), sessionId: String(body['session_id']) };
}

/** Starts a chat on `threadId` that stops at the approval of `delete_file`. */
async function chatToApproval(gateway: GatewayClient, token: string, threadId: string) {
  const response = await gateway.chat(token, {
    messages: [{ role: 'user', content: 'delete /tmp/a' }],
    thread_id: threadId,
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  const request = await reader.nextOfType('tool_approval_request');
  const runId = String(reader.frames.at(-1)?.runId);
  return { reader, runId, toolCallId: String(request['tool_call_id']), nonce: String(request['nonce']) };
}

describe('owners of sessions without an asserted user', () => {
  it('keep two sessions of one API key apart: no thread, run, task or approval of one reaches the other', async () => {
    const started = await startOwnersAgent([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }),
      textTurn('Deleted.'),
    ]);
    const { gateway, calls } = started;
    const first = await sessionOf(gateway, SHARED_KEY);
    const second = await sessionOf(gateway, SHARED_KEY);
    const waiting = await chatToApproval(gateway, first.token, 'thr_first');

    const listed = await jsonOf(await sendAs(gateway, 'GET', '/threads', second.token));
    expect(JSON.stringify(listed)).not.toContain('thr_first');
    for (const path of ['/threads/thr_first', '/threads/thr_first/runs', `/runs/${waiting.runId}`]) {
      expect((await sendAs(gateway, 'GET', path, second.token)).status, path).toBe(404);
    }
    expect((await sendAs(gateway, 'GET', '/ui/chat/thr_first/messages', second.token)).status).toBe(404);
    expect((await sendAs(gateway, 'DELETE', '/threads/thr_first', second.token)).status).toBe(404);

    const a2a = await a2aClientFor(new URL(gateway.baseUrl).origin, second.token);
    await expect(a2a.getTask(taskRequest(waiting.runId))).rejects.toThrow();

    const stolen = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: waiting.toolCallId, nonce: waiting.nonce, approved: true },
      { token: second.token },
    );
    expect(stolen.status).toBe(404);
    expect(calls).toEqual([]);

    // The session that asked still owns all of it.
    expect((await sendAs(gateway, 'GET', '/threads/thr_first', first.token)).status).toBe(200);
    const approved = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: waiting.toolCallId, nonce: waiting.nonce, approved: true },
      { token: first.token },
    );
    expect(approved.status).toBe(200);
    await waiting.reader.rest();
    expect(calls).toEqual(['/tmp/a']);
    const audit = await jsonOf(await sendAs(gateway, 'GET', `/runs/${waiting.runId}/approvals`, first.token));
    expect(JSON.stringify(audit)).toContain(first.sessionId);
    expect(JSON.stringify(audit)).not.toContain(second.sessionId);
  });

  it('let sessions of one asserted user share their threads, and keep them from the key alone', async () => {
    const { gateway } = await startOwnersAgent([textTurn('Hello.')]);
    const alice = await sessionOf(gateway, BACKEND_KEY, 'alice');
    const aliceAgain = await sessionOf(gateway, BACKEND_KEY, 'alice');
    const keyAlone = await sessionOf(gateway, BACKEND_KEY);
    const created = await sendAs(gateway, 'POST', '/threads', alice.token, {});
    expect(created.status).toBe(201);
    const threadId = String((await jsonOf(created))['thread_id']);
    expect((await sendAs(gateway, 'GET', `/threads/${threadId}`, aliceAgain.token)).status).toBe(200);
    expect((await sendAs(gateway, 'GET', `/threads/${threadId}`, keyAlone.token)).status).toBe(404);
  });

  it('refuse an asserted user in the namespace of session owners with 422', async () => {
    const { gateway } = await startOwnersAgent([]);
    const response = await gateway.post('/chat/init', { api_key: BACKEND_KEY, user: 'session:sess_0123' });
    expect(response.status).toBe(422);
  });
});

describe('approval nonces', () => {
  it('never appear in an A2A task, not even to its owner: the answer names the call alone', async () => {
    const { gateway, calls, session } = await startOwnersAgent([
      toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_2' }),
      textTurn('Deleted.'),
    ]);
    const a2a = await a2aClientFor(new URL(gateway.baseUrl).origin, session.token);
    const task = asTask(
      await a2a.sendMessage(sendRequest(userMessage('delete /tmp/b'), { returnImmediately: false })),
    );
    const fetched = await a2a.getTask(taskRequest(task.id));
    const listed = await a2a.listTasks({
      tenant: '',
      contextId: task.contextId,
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageToken: '',
      statusTimestampAfter: undefined,
      includeArtifacts: true,
    });
    for (const view of [task, fetched, listed]) expect(JSON.stringify(view)).not.toMatch(/nonce/i);
    const asked = statusDataOf(fetched).find((part) => part['type'] === 'tool_approval_request');
    expect(asked).toMatchObject({ tool_call_id: 'toolu_2' });

    const answered = asTask(
      await a2a.sendMessage(
        sendRequest(
          userMessage(undefined, {
            taskId: task.id,
            contextId: task.contextId,
            data: [{ tool_call_id: 'toolu_2', approved: true }],
          }),
          { returnImmediately: false },
        ),
      ),
    );
    expect(JSON.stringify(answered)).not.toMatch(/nonce/i);
    expect(calls).toEqual(['/tmp/b']);
  });
});
