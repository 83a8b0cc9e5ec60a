import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/messages.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';
import { sanitizeAnthropicToolId } from './sanitize-anthropic-tool-id.js';

const model = 'claude-sonnet-4-6';

describe('convertToAnthropicMessages', () => {
  it('keeps plain string turns and strips the provider, model and stop_reason extras', () => {
    const messages: Message[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello', provider: 'anthropic', model, stop_reason: 'end_turn' },
    ];
    expect(convertToAnthropicMessages(messages, { model })).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
    ]);
  });

  it('replays thinking with its signature to the model that wrote it', () => {
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        provider: 'anthropic',
        model,
        content: [
          { type: 'thinking', thinking: 'let me see', signature: 'sig' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'text', text: 'answer' },
        ],
      },
    ];
    expect(convertToAnthropicMessages(messages, { model })[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'let me see', signature: 'sig' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'answer' },
      ],
    });
  });

  it('turns thinking from another model into text and drops its redacted thinking', () => {
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        provider: 'openai',
        model: 'gpt-4o',
        content: [
          { type: 'thinking', thinking: 'foreign reasoning', signature: 'sig' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'text', text: 'answer' },
        ],
      },
    ];
    expect(convertToAnthropicMessages(messages, { model })[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'foreign reasoning' },
        { type: 'text', text: 'answer' },
      ],
    });
  });

  it('sends unsigned thinking as text, because the API refuses thinking without a signature', () => {
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', provider: 'anthropic', model, content: [{ type: 'thinking', thinking: 'hmm' }] },
    ];
    expect(convertToAnthropicMessages(messages, { model })[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'hmm' }],
    });
  });

  it('sanitises tool ids in tool_use and tool_result alike', () => {
    const longId = `call|${'x'.repeat(80)}`;
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: longId, name: 'lookup', input: { a: 1 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: longId, content: '{"ok":true}' }] },
    ];
    const sanitized = sanitizeAnthropicToolId(longId);
    expect(sanitized).toHaveLength(64);
    expect(convertToAnthropicMessages(messages, { model }).slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'tool_use', id: sanitized, name: 'lookup', input: { a: 1 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: sanitized, content: '{"ok":true}' }] },
    ]);
  });

  it('synthesises an error result for a tool call that never got one', () => {
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} }] },
    ];
    const converted = convertToAnthropicMessages(messages, { model });
    expect(converted[2]).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          content: JSON.stringify({ error: { code: 'missing_tool_result', message: 'No result provided' } }),
          is_error: true,
        },
      ],
    });
  });

  it('drops failed assistant turns', () => {
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'partial', stop_reason: 'error' },
      { role: 'user', content: 'again' },
    ];
    expect(convertToAnthropicMessages(messages, { model })).toEqual([
      { role: 'user', content: 'q' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('converts images and tool results with rich content, keeping is_error and cache markers', () => {
    const messages: Message[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'see', cache_control: { type: 'ephemeral' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 't1',
            is_error: true,
            content: [
              { type: 'text', text: 'failed' },
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'BBB' } },
            ],
          },
        ],
      },
    ];
    const converted = convertToAnthropicMessages(messages, { model });
    expect(converted[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'see', cache_control: { type: 'ephemeral' } },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
      ],
    });
    expect(converted[2]).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 't1',
          is_error: true,
          content: [
            { type: 'text', text: 'failed' },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'BBB' } },
          ],
        },
      ],
    });
  });

  it('replaces an image of a media type Anthropic refuses with a short note', () => {
    const messages: Message[] = [
      {
        role: 'user',
        content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'C' } }],
      },
    ];
    expect(convertToAnthropicMessages(messages, { model })).toEqual([
      {
        role: 'user',
        content: [{ type: 'text', text: '[image omitted: unsupported media type image/bmp]' }],
      },
    ]);
  });

  it('drops empty text blocks and turns left with nothing to send', () => {
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: '' },
          { type: 'tool_use', id: 't1', name: 'x', input: {} },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'r' }] },
      { role: 'assistant', content: [{ type: 'text', text: '' }] },
    ];
    expect(convertToAnthropicMessages(messages, { model })).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'x', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'r' }] },
    ]);
  });

  it('does not mutate the canonical history', () => {
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a.b', name: 'x', input: {} }], model },
    ];
    const snapshot = structuredClone(messages);
    convertToAnthropicMessages(messages, { model });
    expect(messages).toEqual(snapshot);
  });
});
