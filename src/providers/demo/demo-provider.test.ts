import { describe, expect, it } from 'vitest';
import type { ProviderEvent } from '../../core/provider.js';
import { createDemoProvider, nextDemoStep } from './demo-provider.js';
import { sampleInput } from './sample-input.js';

const weather = {
  name: 'get_weather',
  description: 'Weather',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const email = {
  name: 'send_email',
  description: 'Email',
  input_schema: {
    type: 'object',
    properties: { to: { type: 'string', format: 'email' }, cc: { type: 'string' } },
    required: ['to'],
  },
};

describe('sampleInput', () => {
  it('builds values that satisfy required properties, enums, bounds and nesting', () => {
    expect(
      sampleInput({
        type: 'object',
        properties: {
          unit: { enum: ['c', 'f'] },
          days: { type: 'integer', minimum: 1 },
          tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
          nested: { type: 'object', properties: { on: { type: 'boolean' } }, required: ['on'] },
          maybe: { anyOf: [{ type: 'null' }, { type: 'number' }] },
          fixed: { const: 'x' },
        },
        required: ['unit', 'days', 'tags', 'nested', 'maybe', 'fixed'],
      }),
    ).toEqual({
      unit: 'c',
      days: 2,
      tags: ['demo tags', 'demo tags'],
      nested: { on: true },
      maybe: 3,
      fixed: 'x',
    });
  });

  it('leaves optional properties out and gives null for what it cannot read', () => {
    expect(sampleInput(email.input_schema)).toEqual({ to: 'ada@example.com' });
    expect(sampleInput('not a schema')).toBeNull();
  });
});

describe('nextDemoStep', () => {
  it('calls the next tool in turn, then answers in plain text once every tool had its turn', () => {
    const tools = [weather, email];
    const user = (content: string) => ({ role: 'user' as const, content });
    expect(nextDemoStep({ messages: [user('hi')], tools }).call?.name).toBe('get_weather');
    const second = [user('hi'), { role: 'assistant' as const, content: 'ok' }, user('more')];
    expect(nextDemoStep({ messages: second, tools }).call?.name).toBe('send_email');
    const third = [...second, { role: 'assistant' as const, content: 'ok' }, user('again')];
    expect(nextDemoStep({ messages: third, tools })).toEqual({
      text: expect.stringContaining('Name a tool in your message') as string,
    });
  });

  it('calls the tool a message names, with or without underscores', () => {
    const messages = [{ role: 'user' as const, content: 'Please Send Email to Ada' }];
    expect(nextDemoStep({ messages, tools: [weather, email] }).call).toEqual({
      name: 'send_email',
      input: { to: 'ada@example.com' },
    });
  });

  it('summarises tool results, errors included, naming each tool', () => {
    const step = nextDemoStep({
      tools: [weather],
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'denied by a person', is_error: true },
          ],
        },
      ],
    });
    expect(step.call).toBeUndefined();
    expect(step.text).toContain('get_weather did not run: denied by a person');
  });
});

describe('createDemoProvider', () => {
  it('streams text in pieces and a tool call with its input, ending with tool_use', async () => {
    const provider = createDemoProvider({ delayMs: 0 });
    const events: ProviderEvent[] = [];
    const request = {
      model: 'demo-model',
      system: undefined,
      messages: [{ role: 'user' as const, content: 'weather?' }],
      tools: [weather],
      maxTokens: 1000,
      thinking: 'none' as const,
    };
    for await (const event of provider.stream(request, new AbortController().signal)) events.push(event);
    expect(events.filter((event) => event.type === 'text_delta').length).toBeGreaterThan(3);
    expect(events).toContainEqual({
      type: 'block_end',
      block: {
        type: 'tool_use',
        id: expect.stringMatching(/^toolu_demo_/) as string,
        name: 'get_weather',
        input: { city: 'Lisbon' },
      },
    });
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'tool_use' });
    expect(provider.getModelInfo('any-model').pricing.outputPerMTok).toBe(0);
  });

  it('stops when its signal is aborted', async () => {
    const provider = createDemoProvider({ delayMs: 50 });
    const controller = new AbortController();
    const request = {
      model: 'demo-model',
      system: undefined,
      messages: [{ role: 'user' as const, content: 'hello there' }],
      tools: [],
      maxTokens: 1000,
      thinking: 'none' as const,
    };
    const read = (async () => {
      for await (const event of provider.stream(request, controller.signal)) {
        if (event.type === 'text_delta') controller.abort(new Error('stop'));
      }
    })();
    await expect(read).rejects.toThrow('stop');
  });
});
