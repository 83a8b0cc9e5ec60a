import { describe, expect, it, vi } from 'vitest';
import { textTurn, type MockUpstream } from 'ai-agent-gateway/testing';
import {
  chat,
  openSession,
  type ServedExample,
  streamedText,
  useExampleLifecycle,
  userMessage,
} from '../__fixtures__/example-harness.js';

/** The tool_result blocks of the last message of a recorded Anthropic request. */
const toolResultsOf = (body: unknown): Array<Record<string, unknown>> => {
  const messages = (body as { messages: Array<{ content: unknown }> }).messages;
  const content = messages.at(-1)?.content;
  return Array.isArray(content)
    ? (content as Array<Record<string, unknown>>).filter((block) => block.type === 'tool_result')
    : [];
};

describe('example 03-local-tools', () => {
  const example = useExampleLifecycle();

  const serveAgainst = async (mock: MockUpstream): Promise<ServedExample> => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', mock.url);
    const { default: app } = await import('./agent.js');
    return example.serve(app);
  };

  it('answers with the stub reply when no API key is configured', async () => {
    const { default: app } = await import('./agent.js');
    const served = await example.serve(app);
    const { frames } = await chat(served.url, await openSession(served.url), userMessage('Where is A-1001?'));
    expect(streamedText(frames)).toContain('Stub response (no Anthropic credential configured)');
    expect(frames.at(-1)?.event.type).toBe('stream_complete');
  });

  it('runs the plain handler and the typed tool the model calls and feeds both results back', async () => {
    const upstream = await example.mockUpstream({
      anthropic: [
        {
          blocks: [
            { type: 'tool_call', id: 'toolu_order', name: 'lookup_order', input: { order_id: 'a-1001' } },
            {
              type: 'tool_call',
              id: 'toolu_temp',
              name: 'convert_temperature',
              input: { value: 212, to: 'celsius' },
            },
          ],
        },
        textTurn('Order A-1001 has shipped with DHL, and 212°F is 100°C.'),
      ],
    });
    const served = await serveAgainst(upstream);

    const { frames } = await chat(
      served.url,
      await openSession(served.url),
      userMessage('Order A-1001? 212F?'),
    );
    const completions = frames.flatMap(({ event }) => (event.type === 'tool_call_complete' ? [event] : []));

    expect(completions).toMatchObject([
      {
        tool_name: 'lookup_order',
        result: { order_id: 'A-1001', status: 'shipped', carrier: 'DHL', items: 2 },
        error: null,
        server: null,
      },
      {
        tool_name: 'convert_temperature',
        result: { value: 100, unit: 'celsius' },
        error: null,
        server: null,
      },
    ]);
    expect(streamedText(frames)).toBe('Order A-1001 has shipped with DHL, and 212°F is 100°C.');
    expect(frames.at(-1)?.event.type).toBe('stream_complete');

    const firstRequest = upstream.requests[0]?.body as { tools: Array<{ name: string }> };
    expect(firstRequest.tools.map((definition) => definition.name).sort()).toEqual([
      'convert_temperature',
      'lookup_order',
    ]);
    const results = toolResultsOf(upstream.requests[1]?.body);
    expect(results.map((block) => block.tool_use_id)).toEqual(['toolu_order', 'toolu_temp']);
    expect(JSON.stringify(results)).toContain('shipped');
    upstream.assertAllConsumed();
  });

  it('reports a handler error and invalid typed input to the model as error results', async () => {
    const upstream = await example.mockUpstream({
      anthropic: [
        {
          blocks: [
            { type: 'tool_call', id: 'toolu_missing', name: 'lookup_order', input: { order_id: 'Z-9' } },
            {
              type: 'tool_call',
              id: 'toolu_bad',
              name: 'convert_temperature',
              input: { value: 'hot', to: 'kelvin' },
            },
          ],
        },
        textTurn('I could not find that order.'),
      ],
    });
    const served = await serveAgainst(upstream);

    const { frames } = await chat(served.url, await openSession(served.url), userMessage('Order Z-9?'));
    const errors = frames.flatMap(({ event }) => (event.type === 'tool_call_complete' ? [event.error] : []));

    expect(errors).toMatchObject([{ code: 'not_found' }, { code: 'invalid_input' }]);
    expect(frames.at(-1)?.event.type).toBe('stream_complete');
    const results = toolResultsOf(upstream.requests[1]?.body);
    expect(results.map((block) => block.is_error)).toEqual([true, true]);
  });
});
