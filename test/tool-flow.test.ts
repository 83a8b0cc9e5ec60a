import { toolsFrom } from './helpers/tools-from.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolError } from '../src/core/tool.js';
import type { ToolDefinition } from '../src/core/tool.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { eventsOf, eventsOfType, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { latestToolResultOf, toolResultsOf } from './helpers/upstream-tool-results.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const weatherDefinition: ToolDefinition = {
  name: 'get_weather',
  description: 'Weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const weatherHandlers = {
  get_weather: (input: Record<string, unknown>) => ({ city: input['city'], forecast: 'sunny' }),
};

const addTool = tool({
  name: 'add',
  description: 'Adds two numbers',
  inputSchema: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => ({ sum: a + b }),
});

describe('local tools over HTTP', () => {
  it('runs a handler between two model turns and feeds its result back to the model', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('get_weather', { city: 'Paris' }, { id: 'toolu_weather_1', text: 'Let me check. ' }),
        textTurn('It is sunny in Paris.'),
      ],
      agent: { tools: [...toolsFrom(weatherHandlers, [weatherDefinition])] },
    });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'Weather in Paris?'));
    const types = eventsOf(frames).map((event) => event.type);

    expect(types.filter((type) => type !== 'text_delta')).toEqual([
      'tool_call_start',
      'tool_call_complete',
      'stream_complete',
    ]);
    expect(types.indexOf('tool_call_start')).toBeGreaterThan(types.indexOf('text_delta'));
    expect(eventsOfType(frames, 'tool_call_start')[0]).toEqual({
      type: 'tool_call_start',
      tool_call_id: 'toolu_weather_1',
      tool_name: 'get_weather',
      tool_input: { city: 'Paris' },
      execution_location: 'backend',
      call_index: 0,
    });
    const complete = eventsOfType(frames, 'tool_call_complete')[0];
    expect(complete).toMatchObject({
      tool_call_id: 'toolu_weather_1',
      tool_name: 'get_weather',
      result: { city: 'Paris', forecast: 'sunny' },
      error: null,
      server: null,
    });
    expect(complete?.duration_ms).toEqual(expect.any(Number));
    expect(textOf(frames)).toBe('Let me check. It is sunny in Paris.');

    expect(upstream.requests).toHaveLength(2);
    expect(toolResultsOf(upstream.requests[1])).toHaveLength(1);
    const advertised = (upstream.requests[0]?.body as { tools?: Array<{ name: string }> }).tools;
    expect(advertised?.map((definition) => definition.name)).toEqual(['get_weather']);
    expect(latestToolResultOf(upstream.requests[1])).toEqual({
      toolCallId: 'toolu_weather_1',
      isError: false,
      value: { city: 'Paris', forecast: 'sunny' },
    });
    upstream.assertAllConsumed();
  });

  it('validates a typed tool() input and runs it', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('add', { a: 2, b: 3 }, { id: 'toolu_add_ok' }),
        toolCallTurn('add', { a: 'two', b: 3 }, { id: 'toolu_add_bad' }),
        textTurn('Done.'),
      ],
      agent: { tools: [addTool] },
    });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'Add things'));
    const completes = eventsOfType(frames, 'tool_call_complete');

    expect(completes.map((event) => [event.tool_call_id, event.result])).toEqual([
      ['toolu_add_ok', { sum: 5 }],
      ['toolu_add_bad', null],
    ]);
    expect(completes[1]?.error).toMatchObject({ code: 'invalid_input' });
    expect(completes[1]?.error?.message).toContain('a');
    expect(latestToolResultOf(upstream.requests[1]).value).toEqual({ sum: 5 });
    const rejected = latestToolResultOf(upstream.requests[2]);
    expect(rejected.isError).toBe(true);
    expect(rejected.value).toMatchObject({ error: { code: 'invalid_input' } });
    expect(eventsOf(frames).at(-1)?.type).toBe('stream_complete');
    upstream.assertAllConsumed();
  });

  it('turns a ToolError into an error result the model reads, and the run goes on', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('get_weather', { city: 'Atlantis' }, { id: 'toolu_fail' }), textTurn('Sorry.')],
      agent: {
        tools: [
          ...toolsFrom(
            {
              get_weather: () => {
                throw new ToolError('city_not_found', 'No such city: Atlantis');
              },
            },
            [weatherDefinition],
          ),
        ],
      },
    });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'Weather in Atlantis?'));

    expect(eventsOfType(frames, 'tool_call_complete')[0]).toMatchObject({
      result: null,
      error: { code: 'city_not_found', message: 'No such city: Atlantis' },
    });
    expect(latestToolResultOf(upstream.requests[1])).toEqual({
      toolCallId: 'toolu_fail',
      isError: true,
      value: { error: { code: 'city_not_found', message: 'No such city: Atlantis' } },
    });
    expect(eventsOf(frames).at(-1)?.type).toBe('stream_complete');
  });

  it('runs a tool through the OpenAI wire format too', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      flavor: 'openai',
      turns: [toolCallTurn('get_weather', { city: 'Oslo' }, { id: 'call_oslo' }), textTurn('Cold.')],
      agent: { tools: [...toolsFrom(weatherHandlers, [weatherDefinition])] },
    });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'Weather in Oslo?'));

    expect(eventsOfType(frames, 'tool_call_complete')[0]).toMatchObject({
      tool_call_id: 'call_oslo',
      result: { city: 'Oslo', forecast: 'sunny' },
    });
    expect(latestToolResultOf(upstream.requests[1])).toMatchObject({
      toolCallId: 'call_oslo',
      value: { city: 'Oslo', forecast: 'sunny' },
    });
    expect(textOf(frames)).toBe('Cold.');
    upstream.assertAllConsumed();
  });
});
