import { describe, expect, it } from 'vitest';
import type { Message } from '../core/messages.js';
import type { StoredMessage } from '../core/thread-store.js';
import { COMPACTION_SUMMARY_HEADER } from '../providers/normalize-history.js';
import { messagesToAppend, modelViewOf } from './thread-history.js';

const stored = (messages: Message[]): StoredMessage[] =>
  messages.map((message, seq) => ({ seq, message, createdAt: seq }));
const user = (content: string): Message => ({ role: 'user', content });
const assistant = (content: string): Message => ({ role: 'assistant', content });
const summary = user(`${COMPACTION_SUMMARY_HEADER}\nthey talked about Paris`);

describe('a thread’s history', () => {
  it('gives the model every stored message until a run compacted it, then the compacted history', () => {
    expect(modelViewOf(stored([user('a'), assistant('b')]))).toEqual([user('a'), assistant('b')]);
    expect(modelViewOf(stored([user('a'), assistant('b'), summary, assistant('b'), user('c')]))).toEqual([
      summary,
      assistant('b'),
      user('c'),
    ]);
  });

  it('adds the new messages and the run’s own after what the thread holds', () => {
    const input = [user('a'), assistant('b'), user('c')];
    expect(messagesToAppend(input, 2, [...input, assistant('d')])).toEqual([user('c'), assistant('d')]);
    expect(messagesToAppend(input, 2, undefined)).toEqual([user('c')]);
  });

  it('adds the whole compacted history when the run compacted it on the gateway', () => {
    const input = [user('a'), assistant('b'), user('c'), assistant('d'), user('e')];
    const output = [summary, assistant('d'), user('e'), assistant('f')];
    expect(messagesToAppend(input, 4, output)).toEqual(output);
    // And the next run starts from the summary.
    const thread = stored([...input.slice(0, 4), user('e'), ...output]);
    expect(modelViewOf(thread)).toEqual(output);
  });

  it('leaves out an assistant turn whose tool calls never got their results', () => {
    const call: Message = {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'delete_file', input: {} }],
    };
    expect(messagesToAppend([user('a')], 0, [user('a'), call])).toEqual([user('a')]);
  });
});
