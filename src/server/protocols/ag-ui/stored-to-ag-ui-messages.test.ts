import { describe, expect, it } from 'vitest';
import type { Message } from '../../../core/messages.js';
import { storedToAgUiMessages } from './stored-to-ag-ui-messages.js';

const stored = (messages: Message[]) =>
  messages.map((message, seq) => ({ seq, runId: 'run_1', message, createdAt: 0 }));

describe('storedToAgUiMessages', () => {
  it('turns a stored thread into user, reasoning, assistant and tool messages under their thread ids', () => {
    expect(
      storedToAgUiMessages(
        stored([
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Look it up.', signature: 's' },
              { type: 'tool_use', id: 'c1', name: 'get_weather', input: { city: 'Nantes' } },
              { type: 'tool_use', id: 'c2', name: 'get_weather', input: { city: 'Brest' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'c1', content: '{"sky":"clear"}' },
              {
                type: 'tool_result',
                tool_use_id: 'c2',
                content: '{"error":{"code":"tool_error","message":"down"}}',
                is_error: true,
              },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: 'Clear in Nantes.' }] },
        ]),
      ),
    ).toEqual([
      { id: 'm0', role: 'user', content: 'Weather?' },
      { id: 'm1_reasoning', role: 'reasoning', content: 'Look it up.' },
      {
        id: 'm1',
        role: 'assistant',
        toolCalls: [
          { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Nantes"}' } },
          { id: 'c2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Brest"}' } },
        ],
      },
      { id: 'm2_0', role: 'tool', toolCallId: 'c1', content: '{"sky":"clear"}' },
      {
        id: 'm2_1',
        role: 'tool',
        toolCallId: 'c2',
        content: '{"error":{"code":"tool_error","message":"down"}}',
        error: 'down',
      },
      { id: 'm3', role: 'assistant', content: 'Clear in Nantes.' },
    ]);
  });
});
