import { describe, expect, it } from 'vitest';
import type { Message } from '../core/messages.js';
import { compactionSplit } from './compact-history.js';

const call = (id: string): Message => ({
  role: 'assistant',
  content: [{ type: 'tool_use', id, name: 'lookup', input: {} }],
});
const result = (id: string): Message => ({
  role: 'user',
  content: [{ type: 'tool_result', tool_use_id: id, content: 'ok' }],
});

describe('compactionSplit', () => {
  it('keeps the last model turn with its tool results and summarises what came before', () => {
    const history: Message[] = [
      { role: 'user', content: 'go' },
      call('a'),
      result('a'),
      call('b'),
      result('b'),
    ];
    expect(compactionSplit(history)).toBe(3);
  });

  it('never starts the kept tail on a tool result, so no result loses its call', () => {
    const history: Message[] = [
      { role: 'user', content: 'go' },
      call('a'),
      result('a'),
      { role: 'assistant', content: 'thinking aloud' },
      { role: 'user', content: 'more' },
    ];
    expect(history[compactionSplit(history) ?? 0]?.role).toBe('assistant');
  });

  it('leaves a history with nothing before its last turn alone', () => {
    expect(compactionSplit([{ role: 'user', content: 'go' }, call('a'), result('a')])).toBeUndefined();
    expect(compactionSplit([{ role: 'user', content: 'go' }])).toBeUndefined();
  });
});
