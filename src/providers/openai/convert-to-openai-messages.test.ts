import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/messages.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';

const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } } as const;

describe('convertToOpenAIMessages', () => {
  it('passes plain string turns through', () => {
    const messages: Message[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ];
    expect(convertToOpenAIMessages(messages, 'gpt-4o')).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
  });

  it('turns tool_use blocks into tool_calls with JSON string arguments and follows them with tool messages', () => {
    const messages: Message[] = [
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'call_2', name: 'time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '{"temp":3}' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
        ],
      },
    ];
    expect(convertToOpenAIMessages(messages, 'gpt-4o')).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          { id: 'call_2', type: 'function', function: { name: 'time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":3}' },
      { role: 'tool', tool_call_id: 'call_2', content: '12:00' },
    ]);
  });

  it('sends null content for an assistant turn that only calls tools', () => {
    const messages: Message[] = [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'ping', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'pong' }] },
    ];
    expect(convertToOpenAIMessages(messages, 'gpt-4o')[0]).toMatchObject({
      role: 'assistant',
      content: null,
    });
  });

  it('sanitises tool ids consistently in calls and results', () => {
    const messages: Message[] = [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu.01|item', name: 'ping', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu.01|item', content: 'pong' }] },
    ];
    const converted = convertToOpenAIMessages(messages, 'gpt-4o');
    expect(converted[0]).toMatchObject({ tool_calls: [{ id: 'toolu_01' }] });
    expect(converted[1]).toEqual({ role: 'tool', tool_call_id: 'toolu_01', content: 'pong' });
  });

  it('synthesises a missing tool result so the call is still answered', () => {
    const messages: Message[] = [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'ping', input: {} }] },
      { role: 'user', content: 'never mind' },
    ];
    const converted = convertToOpenAIMessages(messages, 'gpt-4o');
    expect(converted[1]).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    expect(JSON.parse((converted[1] as { content: string }).content)).toEqual({
      error: { code: 'missing_tool_result', message: 'No result provided' },
    });
    expect(converted[2]).toEqual({ role: 'user', content: 'never mind' });
  });

  it('replaces images in tool results with a placeholder and attaches them in a following user message', () => {
    const messages: Message[] = [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'screenshot', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: 'done' }, image] },
        ],
      },
    ];
    expect(convertToOpenAIMessages(messages, 'gpt-4o').slice(1)).toEqual([
      { role: 'tool', tool_call_id: 'call_1', content: 'done\n(see attached image)' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
    ]);
  });

  it('joins user text parts and sends images as data URLs', () => {
    const messages: Message[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: [{ type: 'text', text: 'look' }, image] },
    ];
    const converted = convertToOpenAIMessages(messages, 'gpt-4o');
    expect(converted[0]).toEqual({ role: 'user', content: 'one\ntwo' });
    expect(converted[2]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'look' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      ],
    });
  });

  it('drops thinking the same model wrote and sends other models’ thinking as text', () => {
    const thought = { type: 'thinking', thinking: 'let me think' } as const;
    const own: Message[] = [
      {
        role: 'assistant',
        provider: 'openai',
        model: 'o3',
        content: [thought, { type: 'text', text: 'answer' }],
      },
    ];
    expect(convertToOpenAIMessages(own, 'o3')).toEqual([{ role: 'assistant', content: 'answer' }]);
    const foreign: Message[] = [
      { role: 'assistant', provider: 'anthropic', model: 'claude-sonnet-4-6', content: [thought] },
    ];
    expect(convertToOpenAIMessages(foreign, 'o3')).toEqual([{ role: 'assistant', content: 'let me think' }]);
  });

  it('drops failed assistant turns and turns left empty', () => {
    const messages: Message[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'partial', stop_reason: 'error' },
      {
        role: 'assistant',
        provider: 'openai',
        model: 'o3',
        content: [{ type: 'thinking', thinking: 'hmm' }],
      },
    ];
    expect(convertToOpenAIMessages(messages, 'o3')).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('drops a tool result that answers no call of the previous assistant turn', () => {
    const messages: Message[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'stray', content: 'x' },
          { type: 'text', text: 'and?' },
        ],
      },
    ];
    expect(convertToOpenAIMessages(messages, 'gpt-4o').slice(2)).toEqual([{ role: 'user', content: 'and?' }]);
  });
});
