import { describe, expect, it } from 'vitest';
import type { Message } from '../../../core/messages.js';
import type { StoredMessage } from '../../../core/thread-store.js';
import { storedToUiMessages } from './stored-to-ui-messages.js';

const stored = (entries: Array<[Message, string?]>): StoredMessage[] =>
  entries.map(([message, runId], seq) => ({
    seq,
    ...(runId === undefined ? {} : { runId }),
    message,
    createdAt: 0,
  }));

describe('storedToUiMessages', () => {
  it("turns a run's turns into one assistant message with reasoning, text and settled tool parts", () => {
    const messages = storedToUiMessages(
      stored([
        [{ role: 'user', content: 'Clean up' }, 'run_1'],
        [
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Two files.', signature: 's' },
              { type: 'redacted_thinking', data: 'x' },
              { type: 'tool_use', id: 'c1', name: 'delete_file', input: { path: 'a' } },
              { type: 'tool_use', id: 'c2', name: 'delete_file', input: { path: 'b' } },
              { type: 'tool_use', id: 'c3', name: 'search', input: { q: 'x' } },
            ],
          },
          'run_1',
        ],
        [
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'c1', content: '{"deleted":"a"}' },
              {
                type: 'tool_result',
                tool_use_id: 'c2',
                content: '{"error":{"code":"user_denied","message":"User denied execution"}}',
                is_error: true,
              },
              {
                type: 'tool_result',
                tool_use_id: 'c3',
                content: '{"error":{"code":"tool_error","message":"down"}}',
                is_error: true,
              },
            ],
          },
          'run_1',
        ],
        [{ role: 'assistant', content: [{ type: 'text', text: 'Deleted a.' }] }, 'run_1'],
      ]),
      (name) => name === 'search',
    );
    expect(messages).toEqual([
      { id: 'user_0', role: 'user', parts: [{ type: 'text', text: 'Clean up' }] },
      {
        id: 'msg_run_1',
        role: 'assistant',
        parts: [
          { type: 'step-start' },
          { type: 'reasoning', text: 'Two files.' },
          {
            type: 'tool-delete_file',
            toolCallId: 'c1',
            state: 'output-available',
            input: { path: 'a' },
            output: { deleted: 'a' },
          },
          { type: 'tool-delete_file', toolCallId: 'c2', state: 'output-denied', input: { path: 'b' } },
          {
            type: 'dynamic-tool',
            toolName: 'search',
            toolCallId: 'c3',
            state: 'output-error',
            input: { q: 'x' },
            errorText: 'down',
          },
          { type: 'step-start' },
          { type: 'text', text: 'Deleted a.' },
        ],
      },
    ]);
  });

  it('starts a new assistant message per run and keeps images of user messages as file parts', () => {
    const messages = storedToUiMessages(
      stored([
        [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
            ],
          },
        ],
        [{ role: 'assistant', content: 'A dot.' }, 'run_1'],
        [{ role: 'assistant', content: 'Still a dot.' }, 'run_2'],
      ]),
    );
    expect(messages.map((message) => message.id)).toEqual(['user_0', 'msg_run_1', 'msg_run_2']);
    expect(messages[0]?.parts[1]).toEqual({
      type: 'file',
      mediaType: 'image/png',
      url: 'data:image/png;base64,AAAA',
    });
  });
});
