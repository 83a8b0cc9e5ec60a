import { clientToolsFrom, toolsFrom } from '../../test/helpers/tools-from.js';
import { describe, expect, it } from 'vitest';
import type { ToolResultBlock } from '../core/messages.js';
import type { ToolDefinition } from '../core/tool.js';
import { closeAgentsAfterEach, startAgent } from './__fixtures__/start-scripted-agent.js';
import { createTestClient } from './create-test-client.js';
import type { ScriptedProvider } from './scripted-provider.js';
import { textTurn, toolCallTurn } from './scripted-turn.js';
import { GatewayResponseError } from './test-client/gateway-response-error.js';

closeAgentsAfterEach();

const deleteFileDefinition: ToolDefinition = {
  name: 'delete_file',
  description: 'Deletes a file',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

const locationDefinition: ToolDefinition = {
  name: 'get_location',
  description: "The user's location, read by the browser",
  input_schema: { type: 'object', properties: {} },
};

/** The `tool_result` blocks of the last message the model read. */
const lastToolResultsOf = (provider: ScriptedProvider): ToolResultBlock[] => {
  const content = provider.requests.at(-1)?.messages.at(-1)?.content;
  if (content === undefined || typeof content === 'string') return [];
  return content.filter((block): block is ToolResultBlock => block.type === 'tool_result');
};

/** The error a promise rejects with. */
const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('createTestClient', () => {
  it('opens a session and streams a plain chat as typed events', async () => {
    const { app, provider } = startAgent([textTurn('Hello from the scripted model.')]);
    const client = createTestClient(app);

    const session = await client.init();
    expect(session.sessionId).toMatch(/^sess_/);
    expect(client.session).toEqual(session);

    const run = await client.chat({ message: 'Say hello' });
    const types: string[] = [];
    for await (const event of run) types.push(event.type);

    expect(types[0]).toBe('text_delta');
    expect(types.at(-1)).toBe('stream_complete');
    expect(await run.text()).toBe('Hello from the scripted model.');
    expect(run.terminal?.type).toBe('stream_complete');
    expect(run.runId).toMatch(/^[0-9a-f]{36}$/);
    expect(run.lastEventId).toBe(`${run.runId}:${types.length}`);
    expect(provider.requests[0]?.messages).toEqual([{ role: 'user', content: 'Say hello' }]);
    provider.assertAllConsumed();
  });

  it('sends a history, a model and a context as the wire fields', async () => {
    const { app, provider } = startAgent([textTurn('Second answer.')], {
      server: {
        allowedModels: ['scripted-model', 'other-model'],
      },
    });
    const client = createTestClient(app);
    await client.init();

    const run = await client.chat({
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
      model: 'other-model',
      context: { channel: 'web' },
    });

    expect(await run.text()).toBe('Second answer.');
    expect(provider.requests[0]?.model).toBe('other-model');
    expect(provider.requests[0]?.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
    ]);
  });

  it('waits for an approval request, approves it, and the tool runs', async () => {
    const deleted: string[] = [];
    const { app, provider } = startAgent(
      [toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_del' }), textTurn('Deleted it.')],
      {
        needsApproval: (toolName) => toolName === 'delete_file',
        tools: [
          ...toolsFrom(
            {
              delete_file: (input) => {
                deleted.push(String(input['path']));
                return { deleted: input['path'] };
              },
            },
            [deleteFileDefinition],
          ),
        ],
      },
    );
    const client = createTestClient(app);
    await client.init();
    const run = await client.chat({ message: 'delete /tmp/a' });

    const request = await run.waitFor('tool_approval_request');
    expect(request).toMatchObject({
      tool_call_id: 'toolu_del',
      tool_name: 'delete_file',
      tool_input: { path: '/tmp/a' },
    });
    expect(deleted).toEqual([]);

    await client.approve(request, { approved: true });
    const complete = await run.waitFor('tool_call_complete');

    expect(complete).toMatchObject({ tool_call_id: 'toolu_del', result: { deleted: '/tmp/a' }, error: null });
    expect(await run.text()).toBe('Deleted it.');
    expect(deleted).toEqual(['/tmp/a']);
    const answered = await rejectionOf(client.approve(request, { approved: true }));
    expect(answered).toBeInstanceOf(GatewayResponseError);
    expect(answered).toMatchObject({
      status: 409,
      body: { error: 'Approval already submitted', detail: 'Approval already submitted' },
    });
    provider.assertAllConsumed();
  });

  it('reports a denial to the model without running the tool', async () => {
    const deleted: string[] = [];
    const { app, provider } = startAgent(
      [toolCallTurn('delete_file', { path: '/etc/passwd' }, { id: 'toolu_deny' }), textTurn('I will not.')],
      {
        needsApproval: () => true,
        tools: [
          ...toolsFrom({ delete_file: (input) => (deleted.push(String(input['path'])), {}) }, [
            deleteFileDefinition,
          ]),
        ],
      },
    );
    const client = createTestClient(app);
    await client.init();
    const run = await client.chat({ message: 'delete it' });

    await client.approve(
      { toolCallId: 'toolu_deny', nonce: (await run.waitFor('tool_approval_request')).nonce },
      {
        approved: false,
      },
    );

    expect((await run.waitFor('tool_call_complete')).error).toMatchObject({ code: 'user_denied' });
    expect(await run.text()).toBe('I will not.');
    expect(deleted).toEqual([]);
    provider.assertAllConsumed();
  });

  it('runs a client-side tool round trip: the model reads the submitted result', async () => {
    const { app, provider } = startAgent(
      [toolCallTurn('get_location', {}, { id: 'toolu_loc' }), textTurn('You are in Lyon.')],
      { tools: [...clientToolsFrom([locationDefinition])] },
    );
    const client = createTestClient(app);
    await client.init();
    const run = await client.chat({ message: 'Where am I?' });

    const start = await run.waitFor('tool_call_start');
    expect(start).toMatchObject({ tool_call_id: 'toolu_loc', execution_location: 'client' });
    await client.submitToolResult(start, { result: { city: 'Lyon' } });

    expect(await run.text()).toBe('You are in Lyon.');
    expect((await run.waitFor('tool_call_complete')).result).toEqual({ city: 'Lyon' });
    expect(lastToolResultsOf(provider)).toMatchObject([{ tool_use_id: 'toolu_loc' }]);
    expect(JSON.stringify(lastToolResultsOf(provider)[0]?.content)).toContain('Lyon');
    provider.assertAllConsumed();
  });

  it('refuses to answer a server-side tool call, which carries no nonce', async () => {
    const { app } = startAgent([toolCallTurn('delete_file', {}, { id: 'toolu_srv' }), textTurn('Done.')], {
      tools: [...toolsFrom({ delete_file: () => ({}) }, [deleteFileDefinition])],
    });
    const client = createTestClient(app);
    await client.init();
    const run = await client.chat({ message: 'go' });
    const start = await run.waitFor('tool_call_start');

    await expect(client.submitToolResult(start, { result: {} })).rejects.toThrow(/toolu_srv has no nonce/);
    expect(await run.text()).toBe('Done.');
  });

  it('resumes after the last event read, without repeating what was seen', async () => {
    const { app, provider } = startAgent(
      [toolCallTurn('get_location', {}, { id: 'toolu_resume' }), textTurn('Found you.')],
      { tools: [...clientToolsFrom([locationDefinition])] },
    );
    const client = createTestClient(app);
    await client.init();
    const first = await client.chat({ message: 'Where am I?' });
    const start = await first.waitFor('tool_call_start');
    const seen = first.events.length;
    await first.close();

    await client.submitToolResult(start, { result: { city: 'Oslo' } });
    const resumed = await client.resume({ run: first });
    const rest = await resumed.collect();

    expect(resumed.status).toBe(200);
    expect(resumed.runId).toBe(first.runId);
    expect(rest.map((event) => event.type)).not.toContain('tool_call_start');
    expect(rest[0]).toMatchObject({ type: 'tool_call_complete', result: { city: 'Oslo' } });
    expect(await resumed.text()).toBe('Found you.');
    expect(resumed.lastEventId).toBe(`${first.runId}:${seen + rest.length}`);
    provider.assertAllConsumed();
  });

  it('replays a finished run from a Last-Event-ID, and answers 204 once nothing is left', async () => {
    const { app } = startAgent([textTurn('one two three')]);
    const client = createTestClient(app);
    await client.init();
    const run = await client.chat({ message: 'count' });
    const all = await run.collect();

    const replay = await client.resume({ lastEventId: `${run.runId}:1` });
    expect(await replay.collect()).toEqual(all.slice(1));

    const caughtUp = await client.resume({ run });
    expect(caughtUp.status).toBe(204);
    expect(await caughtUp.collect()).toEqual([]);
  });

  it('cancels the active run, which ends with an error event', async () => {
    const { app } = startAgent([{ blocks: [{ type: 'text', text: 'never finished' }], stallAfterEvents: 2 }]);
    const client = createTestClient(app);
    await client.init();
    const run = await client.chat({ message: 'hang' });
    await run.waitFor('text_delta');

    const { runId } = await client.cancel();

    expect(runId).toBe(run.runId);
    expect((await run.collect()).at(-1)?.type).toBe('error');
    await expect(client.cancel()).rejects.toMatchObject({
      status: 404,
      body: { detail: 'No active run for this session' },
    });
  });
});
