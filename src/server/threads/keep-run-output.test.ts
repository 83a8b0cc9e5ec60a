import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/messages.js';
import { runOutputOf } from './keep-run-output.js';

const ended = (messages: Message[], compacted?: Message[]) => ({
  result: {
    outcome: 'completed',
    messages,
    ...(compacted === undefined ? {} : { compactedMessages: compacted }),
  },
});

describe('runOutputOf', () => {
  it('is the text of the last assistant message the run wrote, text blocks joined', () => {
    const messages: Message[] = [
      { role: 'user', content: 'question' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Looking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'look_up', input: {} },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'found' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Found ' },
          { type: 'text', text: 'it.' },
        ],
      },
    ];
    expect(runOutputOf(ended(messages), 1)).toEqual({ text: 'Found it.', truncated: false });
  });

  it('never answers with a message of the input: a run that wrote no text has no output', () => {
    const messages: Message[] = [
      { role: 'user', content: 'earlier' },
      { role: 'assistant', content: 'An earlier answer.' },
      { role: 'user', content: 'question' },
    ];
    expect(runOutputOf(ended(messages), 3)).toBeUndefined();
    expect(runOutputOf({ thrown: new Error('boom'), cancelled: false }, 0)).toBeUndefined();
  });

  it('cuts a long text and says so, never inside a surrogate pair', () => {
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'abc😀def' },
    ];
    expect(runOutputOf(ended(messages), 1, 4)).toEqual({ text: 'abc', truncated: true });
    expect(runOutputOf(ended(messages), 1, 5)).toEqual({ text: 'abc😀', truncated: true });
    expect(runOutputOf(ended(messages), 1, 100)).toEqual({ text: 'abc😀def', truncated: false });
  });

  it('counts every message as the run’s own once it compacted', () => {
    const messages: Message[] = [{ role: 'assistant', content: 'After the summary.' }];
    expect(runOutputOf(ended(messages, [{ role: 'user', content: 'old' }]), 5)).toEqual({
      text: 'After the summary.',
      truncated: false,
    });
  });
});
