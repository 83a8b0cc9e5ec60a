import { TaskState } from '@a2a-js/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { httpErrorTurn, textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import {
  a2aClientFor,
  answerOf,
  asTask,
  collect,
  kindsOf,
  sendRequest,
  statusDataOf,
  streamedTextOf,
  taskRequest,
  userMessage,
} from './helpers/a2a-client.js';
import { startA2aAgent as startA2aAgentWith } from './helpers/a2a-agent.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import type { StartMockAgentOptions } from './helpers/start-mock-agent.js';

/*
 * The A2A binding at `POST /api/a2a`, driven by `@a2a-js/sdk`'s own client (1.0, and 0.3 through
 * its compatibility layer) over a real socket.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const startA2aAgent = (turns: StartMockAgentOptions['turns'], server: Record<string, unknown> = {}) =>
  startA2aAgentWith(cleanup, turns, server);

describe('A2A JSON-RPC binding', () => {
  it('serves an agent card for 1.0 and 0.3 clients, with the session bearer scheme and streaming', async () => {
    const { origin } = await startA2aAgent([]);
    const v1 = (await (
      await fetch(`${origin}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } })
    ).json()) as Record<string, unknown>;
    expect(v1).toMatchObject({
      name: 'agent',
      version: '1.0.0',
      capabilities: { streaming: true, pushNotifications: true },
      supportedInterfaces: [
        { url: `${origin}/api/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        { url: `${origin}/api/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
      ],
    });
    expect(JSON.stringify(v1['securitySchemes'])).toContain('/api/chat/init');
    const legacy = (await (await fetch(`${origin}/.well-known/agent-card.json`)).json()) as Record<
      string,
      unknown
    >;
    expect(legacy).toMatchObject({
      name: 'agent',
      url: `${origin}/api/a2a`,
      capabilities: { streaming: true },
    });
  });

  it('answers a blocking SendMessage with the completed task, and GetTask returns it afterwards', async () => {
    const { client } = await startA2aAgent([textTurn('Hello from the agent.')]);
    const task = asTask(await client.sendMessage(sendRequest(userMessage('Hi'))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(task)).toBe('Hello from the agent.');
    expect(task.history[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'Hi' });
    const again = await client.getTask(taskRequest(task.id));
    expect(again.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(again)).toBe('Hello from the agent.');
  });

  it('streams a task: the task, its answer as artifact updates, then completed', async () => {
    const { client } = await startA2aAgent([textTurn('Streaming works fine.')]);
    const events = await collect(client.sendMessageStream(sendRequest(userMessage('Hi'))));
    const kinds = kindsOf(events);
    expect(kinds[0]).toBe('task:TASK_STATE_WORKING');
    expect(kinds.at(-1)).toBe('status:TASK_STATE_COMPLETED');
    expect(kinds).toContain('artifactUpdate');
    expect(streamedTextOf(events)).toBe('Streaming works fine.');
  });

  it('keeps the text of each model turn apart: a part of the artifact each, a paragraph break in the stream', async () => {
    const turns = () => [
      toolCallTurn('get_weather', { city: 'Paris' }, { id: 'call_weather', text: 'I will look it up.' }),
      textTurn('It is clear in Paris.'),
    ];
    const { client } = await startA2aAgent([...turns(), ...turns()]);
    const streamed = await collect(client.sendMessageStream(sendRequest(userMessage('Weather?'))));
    expect(streamedTextOf(streamed)).toBe('I will look it up.\n\nIt is clear in Paris.');
    const task = asTask(await client.sendMessage(sendRequest(userMessage('Weather?'))));
    const parts = task.artifacts[0]?.parts.map((part) =>
      part.content?.$case === 'text' ? part.content.value : '',
    );
    expect(parts).toEqual(['I will look it up.', 'It is clear in Paris.']);
  });

  it('asks for an approval as input-required and continues the same task once it is answered', async () => {
    const { client, calls } = await startA2aAgent([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'call_del' }),
      textTurn('Deleted it.'),
    ]);
    const first = await collect(client.sendMessageStream(sendRequest(userMessage('Delete /tmp/a'))));
    expect(kindsOf(first).at(-1)).toBe('status:TASK_STATE_INPUT_REQUIRED');
    const waiting = first.at(-1)?.payload;
    if (waiting?.$case !== 'statusUpdate') throw new Error('no status update');
    const taskId = waiting.value.taskId;
    const task = await client.getTask(taskRequest(taskId));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const [request] = statusDataOf(task);
    expect(request).toMatchObject({
      type: 'tool_approval_request',
      tool_call_id: 'call_del',
      tool_name: 'delete_file',
    });
    expect(calls).toEqual([]);

    const answer = userMessage(undefined, {
      taskId,
      data: [{ tool_call_id: 'call_del', nonce: request?.['nonce'], approved: true }],
    });
    const rest = await collect(client.sendMessageStream(sendRequest(answer)));
    expect(kindsOf(rest).at(-1)).toBe('status:TASK_STATE_COMPLETED');
    expect(streamedTextOf(rest)).toBe('Deleted it.');
    expect(calls).toEqual(['/tmp/a']);
    expect((await client.getTask(taskRequest(taskId))).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("fails a task with the gateway's error code when the run fails", async () => {
    const { client } = await startA2aAgent([httpErrorTurn(401, { message: 'bad key' })]);
    const task = asTask(await client.sendMessage(sendRequest(userMessage('Hi'))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(statusDataOf(task)).toEqual([{ code: 'upstream_auth_failed' }]);
  });

  it('speaks the 0.3 method names to a 0.3 client', async () => {
    const { origin, session } = await startA2aAgent([textTurn('Old clients too.')]);
    const legacy = await a2aClientFor(origin, session.token, { legacy: true });
    const task = asTask(await legacy.sendMessage(sendRequest(userMessage('Hi'))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(task)).toBe('Old clients too.');
  });

  it("answers a 0.3 client's streamed follow-up to an ended task with an SSE error event", async () => {
    const { origin, session } = await startA2aAgent([textTurn('Done.')]);
    const legacy = await a2aClientFor(origin, session.token, { legacy: true });
    const task = asTask(await legacy.sendMessage(sendRequest(userMessage('Hi'))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const followUp = userMessage('And then?', { taskId: task.id, contextId: task.contextId });
    // The SDK's client reports why ...
    const refused = await collect(legacy.sendMessageStream(sendRequest(followUp))).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Error);
    expect(String(refused)).toMatch(/Task \S+ has ended/);
    // ... read, as the JSON-RPC binding streams errors, from an `error` event of an event stream
    // (a 0.3 client that expects one is told nothing by a JSON answer).
    const response = await fetch(`${origin}/api/a2a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'message/stream',
        params: {
          message: {
            kind: 'message',
            messageId: 'm-1',
            role: 'user',
            taskId: task.id,
            parts: [{ kind: 'text', text: 'And then?' }],
          },
        },
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text).toMatch(/^event: error\ndata: /);
    expect(JSON.parse(text.slice(text.indexOf('data: ') + 6))).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32004 },
    });
  });

  it('refuses a call without a valid session token with 401', async () => {
    const { origin } = await startA2aAgent([]);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } });
    const missing = await fetch(`${origin}/api/a2a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(missing.status).toBe(401);
    const wrong = await fetch(`${origin}/api/a2a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
      body,
    });
    expect(wrong.status).toBe(401);
  });
});
