import { clientToolsFrom } from './helpers/tools-from.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../src/core/tool.js';
import type { ScriptedTurn } from '../src/testing/scripted-turn.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createHoldingStores } from './helpers/create-holding-stores.js';
import type { GatewayClient } from './helpers/gateway-client.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader, eventsOf, eventsOfType, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent, type StartMockAgentOptions } from './helpers/start-mock-agent.js';
import { trackSourceTimers, waitForSourceTimersCleared } from './helpers/track-source-timers.js';
import { latestToolResultOf } from './helpers/upstream-tool-results.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const locationDefinition: ToolDefinition = {
  name: 'get_location',
  description: "The user's location, read by the browser",
  input_schema: { type: 'object', properties: { precise: { type: 'boolean' } } },
};

const startClientToolAgent = (turns: ScriptedTurn[], agent: StartMockAgentOptions['agent'] = {}) =>
  startMockAgent(cleanup, { turns, agent: { ...agent, tools: [...clientToolsFrom([locationDefinition])] } });

const submit = (gateway: GatewayClient, token: string, body: Record<string, unknown>) =>
  gateway.post('/chat/tool-result', body, { token });

describe('client-side tools over HTTP', () => {
  it('pauses the run until the client posts the result, then the model reads it', async () => {
    const { upstream, gateway } = await startClientToolAgent([
      toolCallTurn('get_location', { precise: true }, { id: 'toolu_loc_1' }),
      textTurn('You are in Lyon.'),
    ]);
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'Where am I?'));
    const start = await reader.nextOfType('tool_call_start');

    expect(start).toMatchObject({
      tool_call_id: 'toolu_loc_1',
      tool_name: 'get_location',
      tool_input: { precise: true },
      execution_location: 'client',
      call_index: 0,
    });
    expect(start.nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(start.expires_at).toBeGreaterThan(Date.now() / 1000);
    expect(upstream.requests).toHaveLength(1);

    const response = await submit(gateway, session.token, {
      tool_call_id: start.tool_call_id,
      nonce: start.nonce,
      result: { city: 'Lyon' },
    });
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toEqual({ status: 'ok' });

    await reader.rest();
    expect(eventsOfType(reader.frames, 'tool_call_start')).toHaveLength(1);
    expect(eventsOfType(reader.frames, 'tool_call_complete')[0]).toMatchObject({
      tool_call_id: 'toolu_loc_1',
      result: { city: 'Lyon' },
      error: null,
      server: null,
      execution_location: 'client',
    });
    expect(eventsOf(reader.frames).at(-1)?.type).toBe('stream_complete');
    expect(latestToolResultOf(upstream.requests[1])).toEqual({
      toolCallId: 'toolu_loc_1',
      isError: false,
      value: { city: 'Lyon' },
    });
    upstream.assertAllConsumed();
  });

  it('passes an error posted by the client to the model', async () => {
    const { upstream, gateway } = await startClientToolAgent([
      toolCallTurn('get_location', {}, { id: 'toolu_loc_err' }),
      textTurn('I could not get your location.'),
    ]);
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'Where am I?'));
    const start = await reader.nextOfType('tool_call_start');
    const response = await submit(gateway, session.token, {
      tool_call_id: start.tool_call_id,
      nonce: start.nonce,
      result: null,
      error: { code: 'permission_denied', message: 'The user blocked geolocation' },
    });
    expect(response.status).toBe(200);

    const rest = await reader.rest();
    expect(eventsOfType(rest, 'tool_call_complete')[0]).toMatchObject({
      result: null,
      error: { code: 'permission_denied', message: 'The user blocked geolocation' },
    });
    expect(latestToolResultOf(upstream.requests[1])).toMatchObject({
      isError: true,
      value: { error: { code: 'permission_denied' } },
    });
    expect(eventsOf(rest).at(-1)?.type).toBe('stream_complete');
  });

  it('gives the model a tool_timeout result when the client never answers', async () => {
    const { upstream, gateway } = await startClientToolAgent(
      [toolCallTurn('get_location', {}, { id: 'toolu_loc_slow' }), textTurn('No location.')],
      { server: { clientToolTimeoutMs: 300 } },
    );
    const session = await gateway.openSession();
    const sourceTimers = cleanup.add(trackSourceTimers(), (tracker) => tracker.stop());
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'Where am I?'));

    expect(eventsOfType(frames, 'tool_call_complete')[0]?.error).toMatchObject({ code: 'tool_timeout' });
    expect(latestToolResultOf(upstream.requests[1]).value).toMatchObject({ error: { code: 'tool_timeout' } });
    expect(eventsOf(frames).at(-1)?.type).toBe('stream_complete');
    await waitForSourceTimersCleared(sourceTimers);
  });
});

describe('results the tool-result route refuses', () => {
  it('answers 409 Result already submitted to a second result after the run consumed the first', async () => {
    const { gateway } = await startClientToolAgent([
      toolCallTurn('get_location', {}, { id: 'toolu_loc_twice' }),
      textTurn('Got it.'),
    ]);
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'Where am I?'));
    const start = await reader.nextOfType('tool_call_start');
    const valid = { tool_call_id: start.tool_call_id, nonce: start.nonce, result: { city: 'Nantes' } };
    expect((await submit(gateway, session.token, valid)).status).toBe(200);
    await reader.nextOfType('tool_call_complete');

    const duringRun = await submit(gateway, session.token, { ...valid, result: { city: 'Brest' } });
    expect(duringRun.status).toBe(409);
    expect(await jsonOf(duringRun)).toEqual({
      error: 'Result already submitted',
      detail: 'Result already submitted',
    });

    await reader.rest();
    const afterRun = await submit(gateway, session.token, valid);
    expect(afterRun.status).toBe(409);
    expect(await jsonOf(afterRun)).toEqual({
      error: 'Result already submitted',
      detail: 'Result already submitted',
    });
  });

  it('refuses a wrong nonce, an approval answer and a second result', async () => {
    const stores = cleanup.add(createHoldingStores(), (holding) => holding.close());
    const { gateway } = await startClientToolAgent(
      [toolCallTurn('get_location', {}, { id: 'toolu_loc_guarded' }), textTurn('Got it.')],
      { server: { store: stores } },
    );
    cleanup.add(stores, (holding) => holding.releaseDeletions());
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'Where am I?'));
    const start = await reader.nextOfType('tool_call_start');
    const valid = { tool_call_id: start.tool_call_id, nonce: start.nonce, result: { city: 'Nantes' } };

    const wrongNonce = await submit(gateway, session.token, { ...valid, nonce: 'ffffffffffffffff' });
    expect(wrongNonce.status).toBe(409);
    expect(await jsonOf(wrongNonce)).toEqual({ error: 'Nonce mismatch', detail: 'Nonce mismatch' });

    const asApproval = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: start.tool_call_id, nonce: start.nonce, approved: true },
      { token: session.token },
    );
    expect(asApproval.status).toBe(409);
    expect(await jsonOf(asApproval)).toEqual({
      error: 'Invalid pending tool state for approval submission',
      detail: 'Invalid pending tool state for approval submission',
    });

    const unknown = await submit(gateway, session.token, { ...valid, tool_call_id: 'toolu_nobody' });
    expect(unknown.status).toBe(404);
    expect(await jsonOf(unknown)).toEqual({ error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' });

    stores.holdDeletions();
    const first = await submit(gateway, session.token, valid);
    expect(first.status).toBe(200);
    const second = await submit(gateway, session.token, { ...valid, result: { city: 'Brest' } });
    expect(second.status).toBe(409);
    expect(await jsonOf(second)).toEqual({
      error: 'Result already submitted',
      detail: 'Result already submitted',
    });
    stores.releaseDeletions();

    const rest = await reader.rest();
    expect(eventsOfType(rest, 'tool_call_complete')[0]).toMatchObject({
      result: { city: 'Nantes' },
      error: null,
    });
  });
});
