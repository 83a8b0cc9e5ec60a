import { clientToolsFrom } from './helpers/tools-from.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayStores } from '../src/core/stores.js';
import { createMemoryStores } from '../src/stores/memory/create-memory-stores.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const locationTool = {
  name: 'get_location',
  description: "The user's location",
  input_schema: { type: 'object' as const, properties: {} },
};

/** `{"a":{"a":…{"a":1}…}}` nested `depth` levels deep, as text (no recursion needed to build it). */
const deeplyNested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Memory stores whose bus refuses the next `failures` publishes, as a Redis outage would. */
function storesWithFlakyBus(failures: number): GatewayStores {
  const inner = createMemoryStores();
  let left = failures;
  return {
    ...inner,
    bus: {
      publish(channel, payload) {
        if (left > 0) {
          left -= 1;
          return Promise.reject(new Error('bus unavailable'));
        }
        return inner.bus.publish(channel, payload);
      },
      subscribe: (channel, handler) => inner.bus.subscribe(channel, handler),
      close: () => inner.bus.close(),
    },
  };
}

describe('hostile bodies', () => {
  it('refuses a client-tool result nested deeper than maxJsonDepth with 422, and the run goes on', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('get_location', {}, { id: 'toolu_deep' }), textTurn('Thanks.')],
      agent: { tools: [...clientToolsFrom([locationTool])] },
    });
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'Where am I?'));
    const start = await reader.nextOfType('tool_call_start');
    const body = `{"tool_call_id":"${start.tool_call_id}","nonce":"${start.nonce ?? ''}","result":${deeplyNested(100_000)}}`;
    const deep = await gateway.post('/chat/tool-result', body, { token: session.token });
    expect(deep.status).toBe(422);
    expect(await jsonOf(deep)).toEqual({
      detail: [{ loc: ['body', 'result'], msg: 'JSON nested deeper than 64 levels', type: 'json_too_deep' }],
    });

    // The refusal claimed nothing: a proper result is still accepted and reaches the model.
    const proper = await gateway.post(
      '/chat/tool-result',
      { tool_call_id: start.tool_call_id, nonce: start.nonce, result: { city: 'Caen' } },
      { token: session.token },
    );
    expect(proper.status).toBe(200);
    const complete = await reader.nextOfType('tool_call_complete');
    expect(complete).toMatchObject({ result: { city: 'Caen' } });
    await reader.rest();
  });

  it('honours a lower maxJsonDepth on every route', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          maxJsonDepth: 4,
        },
      },
    });
    const response = await gateway.post('/chat/init', `{"api_key":"k","extra":${deeplyNested(5)}}`);
    expect(response.status).toBe(422);
    expect(await jsonOf(response)).toMatchObject({
      detail: [{ loc: ['body', 'extra'], type: 'json_too_deep' }],
    });
    expect((await gateway.post('/chat/init', `{"api_key":"k","extra":${deeplyNested(2)}}`)).status).toBe(200);
  });

  it('publishes a result again when the bus failed, and answers 200 once the run received it', async () => {
    const stores = storesWithFlakyBus(2);
    const { gateway } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('get_location', {}, { id: 'toolu_retry' }), textTurn('Thanks.')],
      agent: { tools: [...clientToolsFrom([locationTool])], server: { store: stores } },
    });
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'Where am I?'));
    const start = await reader.nextOfType('tool_call_start');
    const answer = { tool_call_id: start.tool_call_id, nonce: start.nonce, result: { city: 'Rouen' } };

    const posted = await gateway.post('/chat/tool-result', answer, { token: session.token });
    expect(posted.status).toBe(200);
    expect(await jsonOf(posted)).toEqual({ status: 'ok' });
    expect(await reader.nextOfType('tool_call_complete')).toMatchObject({ result: { city: 'Rouen' } });
    const again = await gateway.post('/chat/tool-result', answer, { token: session.token });
    expect(again.status).toBe(409);
    await reader.rest();
  });

  it('refuses a result with 503 and retry-after while the store is unreachable, and claims nothing', async () => {
    let available = true;
    const stores: GatewayStores = { ...createMemoryStores(), isAvailable: () => available };
    const { gateway } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('get_location', {}, { id: 'toolu_down' }), textTurn('Thanks.')],
      agent: { tools: [...clientToolsFrom([locationTool])], server: { store: stores } },
    });
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'Where am I?'));
    const start = await reader.nextOfType('tool_call_start');
    const answer = { tool_call_id: start.tool_call_id, nonce: start.nonce, result: { city: 'Caen' } };

    available = false;
    const refused = await gateway.post('/chat/tool-result', answer, { token: session.token });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await jsonOf(refused)).toEqual({ detail: 'The shared store is unreachable; retry' });

    available = true;
    const retried = await gateway.post('/chat/tool-result', answer, { token: session.token });
    expect(retried.status).toBe(200);
    expect(await reader.nextOfType('tool_call_complete')).toMatchObject({ result: { city: 'Caen' } });
    await reader.rest();
  });

  it('never answers 500 to malformed input on any route', async () => {
    const { gateway } = await startMockAgent(cleanup, { turns: [] });
    const session = await gateway.openSession();
    const bodies = [
      '',
      'null',
      '[]',
      '"text"',
      '42',
      '{"messages":null}',
      '{"messages":[null]}',
      '{"messages":[{"role":"user","content":null}]}',
      '{"messages":[{"role":"user","content":"x"}],"context":[]}',
      '{"messages":[{"role":"user","content":"x"}],"model":42}',
      '{"tool_call_id":null,"nonce":1,"approved":"no"}',
      '{"tool_call_id":"x","nonce":"y","result":[1,2]}',
      '{"tool_call_id":"x","nonce":"y","error":"boom"}',
      '{"api_key":{"$gt":""}}',
      `{"api_key":"k","x":${deeplyNested(70)}}`,
      '{"__proto__":{"polluted":true},"api_key":"k"}',
      '\uFEFF{"api_key":"k"}',
      '{"api_key":"k"',
    ];
    const routes = ['/chat/init', '/chat', '/chat/tool-approval', '/chat/tool-result', '/chat/cancel'];
    for (const route of routes) {
      for (const body of bodies) {
        const response = await gateway.post(route, body, { token: session.token });
        expect(response.status, `${route} ${body.slice(0, 40)}`).toBeLessThan(500);
        await response.arrayBuffer();
      }
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
