import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TaskState, type ListTasksRequest } from '@a2a-js/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tool } from '../src/tools/define-tool.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
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
import { startGuardedToolAgent } from './helpers/guarded-tool-agent.js';
import type { StartMockAgentOptions } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * A2A tasks over their life: cancel, resubscribe after a cut, push notifications, threads as
 * contexts, owner isolation and bad follow-ups, with the SDK's client on a real socket.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const startA2aAgent = (turns: StartMockAgentOptions['turns'], server: Record<string, unknown> = {}) =>
  startA2aAgentWith(cleanup, turns, server);

/** A receiver of push notifications on 127.0.0.1: every POST's headers and JSON body. */
async function startReceiver() {
  const received: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ headers: request.headers, body: JSON.parse(text) as Record<string, unknown> });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(server, (open) => new Promise<void>((resolve) => open.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

const slowText = (text: string) => textTurn(text, { eventDelayMs: 60 });

describe('A2A tasks', () => {
  it('cancels a running task: the stream ends canceled and GetTask says so', async () => {
    const { client } = await startA2aAgent([slowText('one two three four five six seven eight nine ten')]);
    const stream = client.sendMessageStream(sendRequest(userMessage('Count')));
    const kinds: string[] = [];
    let taskId = '';
    for await (const event of stream) {
      kinds.push(...kindsOf([event]));
      if (event.payload?.$case === 'task') taskId = event.payload.value.id;
      if (
        event.payload?.$case === 'artifactUpdate' &&
        kinds.filter((kind) => kind === 'artifactUpdate').length === 1
      ) {
        const cancelled = await client.cancelTask({ tenant: '', id: taskId, metadata: undefined });
        expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      }
    }
    expect(kinds.at(-1)).toBe('status:TASK_STATE_CANCELED');
    expect((await client.getTask(taskRequest(taskId))).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await expect(client.cancelTask({ tenant: '', id: taskId, metadata: undefined })).rejects.toThrow(
      /already ended/,
    );
  });

  it('resubscribes after a cut: the task so far, then the rest until completed', async () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta';
    const { client } = await startA2aAgent([slowText(text)]);
    let taskId = '';
    for await (const event of client.sendMessageStream(sendRequest(userMessage('Greek letters')))) {
      if (event.payload?.$case === 'task') taskId = event.payload.value.id;
      if (event.payload?.$case === 'artifactUpdate') break;
    }
    const rest = await collect(client.resubscribeTask(taskRequest(taskId)));
    const first = rest[0]?.payload;
    expect(first?.$case).toBe('task');
    const soFar = first?.$case === 'task' ? answerOf(first.value) : '';
    expect(soFar + streamedTextOf(rest.slice(1))).toBe(text);
    expect(kindsOf(rest).at(-1)).toBe('status:TASK_STATE_COMPLETED');
    expect(answerOf(await client.getTask(taskRequest(taskId)))).toBe(text);
  });

  it('posts push notifications to a registered receiver, with its token, until the task ends', async () => {
    const receiver = await startReceiver();
    const { client } = await startA2aAgent([textTurn('Pushed.')], {
      a2a: { pushNotifications: { allowedHosts: ['127.0.0.1'] } },
    });
    const task = asTask(
      await client.sendMessage(
        sendRequest(userMessage('Hi'), {
          returnImmediately: true,
          taskPushNotificationConfig: {
            tenant: '',
            id: '',
            taskId: '',
            url: receiver.url,
            token: 'receiver-token',
            authentication: undefined,
          },
        }),
      ),
    );
    const final = await waitFor(() =>
      receiver.received.find((each) => JSON.stringify(each.body).includes('TASK_STATE_COMPLETED')),
    );
    expect(final.headers['x-a2a-notification-token']).toBe('receiver-token');
    expect(final.body).toMatchObject({ task: { id: task.id, status: { state: 'TASK_STATE_COMPLETED' } } });
    expect(JSON.stringify(final.body)).toContain('Pushed.');
    const configs = await client.listTaskPushNotificationConfig({
      tenant: '',
      taskId: task.id,
      pageSize: 0,
      pageToken: '',
    });
    expect(configs.configs.map((config) => config.url)).toEqual([receiver.url]);
  });

  it('refuses a push URL into a private network unless its host is allowed', async () => {
    const { client } = await startA2aAgent([textTurn('No push.')]);
    await expect(
      client.sendMessage(
        sendRequest(userMessage('Hi'), {
          taskPushNotificationConfig: {
            tenant: '',
            id: '',
            taskId: '',
            url: 'http://127.0.0.1:9/hook',
            token: '',
            authentication: undefined,
          },
        }),
      ),
    ).rejects.toThrow(/https/);
  });

  it('keeps a context as a thread: the next task continues it, and ListTasks lists its tasks', async () => {
    const { client, upstream } = await startA2aAgent(
      [textTurn('Nice to meet you, Ada.'), textTurn('You are Ada.')],
      {
        database: createMemoryThreadStore(),
      },
    );
    const first = asTask(
      await client.sendMessage(sendRequest(userMessage('I am Ada', { contextId: 'ctx-ada' }))),
    );
    expect(first.contextId).toBe('ctx-ada');
    const second = asTask(
      await client.sendMessage(sendRequest(userMessage('Who am I?', { contextId: 'ctx-ada' }))),
    );
    expect(answerOf(second)).toBe('You are Ada.');
    const lastRequest = JSON.stringify(upstream.requests.at(-1)?.body);
    expect(lastRequest).toContain('I am Ada');
    expect(lastRequest).toContain('Nice to meet you, Ada.');
    const listed = await client.listTasks({
      tenant: '',
      contextId: 'ctx-ada',
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageToken: '',
      statusTimestampAfter: undefined,
      includeArtifacts: true,
    });
    expect(listed.tasks.map((task) => task.id).sort()).toEqual([first.id, second.id].sort());
    expect(listed.tasks.find((task) => task.id === first.id)?.status?.state).toBe(
      TaskState.TASK_STATE_COMPLETED,
    );
    // A JavaScript caller names only the context: the SDK then sends the status enum's
    // default ("UNRECOGNIZED"), which filters nothing.
    const byContext = await client.listTasks({ contextId: 'ctx-ada' } as ListTasksRequest);
    expect(byContext.tasks.map((task) => task.id).sort()).toEqual([first.id, second.id].sort());
  });

  it("asks for a client-side tool's result as input-required and hands the answer to the model", async () => {
    const started = await startGuardedToolAgent(
      cleanup,
      [toolCallTurn('pick_date', { purpose: 'dentist' }, { id: 'call_date' }), textTurn('Booked for then.')],
      { name: 'delete_file', description: 'Deletes a file', field: 'path', resultKey: 'deleted' },
      {
        extra: [
          tool({
            name: 'pick_date',
            description: 'Lets the user pick a date',
            inputSchema: z.object({ purpose: z.string() }),
            execute: 'client',
          }),
        ],
        spec: { server: { a2a: true } },
      },
    );
    const client = await a2aClientFor(new URL(started.gateway.baseUrl).origin, started.session.token);
    const waiting = asTask(await client.sendMessage(sendRequest(userMessage('Book the dentist'))));
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const [request] = statusDataOf(waiting);
    expect(request).toMatchObject({
      type: 'client_tool_request',
      tool_name: 'pick_date',
      tool_input: { purpose: 'dentist' },
    });
    await expect(
      client.sendMessage(
        sendRequest(userMessage(undefined, { taskId: waiting.id, data: [{ approved: true }] })),
      ),
    ).rejects.toThrow(/waits for the client's result/);
    const done = asTask(
      await client.sendMessage(
        sendRequest(
          userMessage(undefined, {
            taskId: waiting.id,
            data: [{ tool_call_id: 'call_date', nonce: request?.['nonce'], result: { date: '2026-12-01' } }],
          }),
        ),
      ),
    );
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(done)).toBe('Booked for then.');
    expect(JSON.stringify(started.upstream.requests.at(-1)?.body)).toContain('2026-12-01');
  });

  it('hides a task from another API key, and refuses a follow-up without an answer', async () => {
    const { client, origin, gateway } = await startA2aAgent(
      [toolCallTurn('delete_file', { path: '/x' }, { id: 'call_x' }), textTurn('done')],
      { validApiKeys: ['test-client-key', 'other-key'], database: createMemoryThreadStore() },
    );
    const waiting = asTask(await client.sendMessage(sendRequest(userMessage('Delete /x'))));
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(statusDataOf(waiting)[0]).toMatchObject({ tool_call_id: 'call_x' });
    const other = await a2aClientFor(origin, (await gateway.openSession('other-key')).token);
    await expect(other.getTask(taskRequest(waiting.id))).rejects.toThrow(/not found/i);
    await expect(
      client.sendMessage(sendRequest(userMessage('please do', { taskId: waiting.id }))),
    ).rejects.toThrow(/waits for an answer/);
    const denied = asTask(
      await client.sendMessage(
        sendRequest(userMessage(undefined, { taskId: waiting.id, data: [{ approved: false }] })),
      ),
    );
    expect(denied.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});
