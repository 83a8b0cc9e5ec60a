import { describe, expect, it } from 'vitest';
import type { Message } from '../core/messages.js';
import type { StoredMessage } from '../core/thread-store.js';
import { COMPACTION_SUMMARY_HEADER } from '../providers/normalize-history.js';
import { displayViewOf, messagesToAppend, modelViewOf } from './thread-history.js';

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
    expect(messagesToAppend(input, 4, output)).toEqual([user('e'), ...output]);
    // And the next run starts from the summary.
    const thread = stored([...input.slice(0, 4), user('e'), ...output]);
    expect(modelViewOf(thread)).toEqual(output);
  });

  it('keeps what the run said before it compacted, between the new messages and the summary', () => {
    const input = [user('a'), assistant('b'), user('c')];
    // The run answered d, was asked nothing new, said f; then compacted to [summary, f].
    const before = [assistant('d'), user('e'), assistant('f')];
    const output = [summary, assistant('f'), assistant('g')];
    const added = messagesToAppend(input, 2, output, before);
    expect(added).toEqual([user('c'), ...before, ...output]);
    const thread = stored([...input.slice(0, 2), ...added]);
    // The model starts from the summary; a person reads every message once.
    expect(modelViewOf(thread)).toEqual(output);
    expect(displayViewOf(thread).map((entry) => entry.message)).toEqual([
      user('a'),
      assistant('b'),
      user('c'),
      assistant('d'),
      user('e'),
      assistant('f'),
      assistant('g'),
    ]);
  });

  it('leaves out an assistant turn whose tool calls never got their results', () => {
    const call: Message = {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'delete_file', input: {} }],
    };
    expect(messagesToAppend([user('a')], 0, [user('a'), call])).toEqual([user('a')]);
  });

  it('shows a person every message once: no summary, no turns a compacted history repeats', () => {
    const thread = stored([
      user('a'),
      assistant('b'),
      user('c'),
      assistant('d'),
      // A run compacted: the summary, the recent turns it kept (stored already), then its own.
      summary,
      user('c'),
      assistant('d'),
      user('e'),
      assistant('f'),
    ]);
    const shown = displayViewOf(thread);
    expect(shown.map((entry) => entry.message)).toEqual([
      user('a'),
      assistant('b'),
      user('c'),
      assistant('d'),
      user('e'),
      assistant('f'),
    ]);
    expect(shown.map((entry) => entry.seq)).toEqual([0, 1, 2, 3, 7, 8]);
    // Compacted at the new message: nothing repeated, only the summary hidden.
    expect(
      displayViewOf(stored([user('a'), assistant('b'), summary, user('c')])).map((entry) => entry.message),
    ).toEqual([user('a'), assistant('b'), user('c')]);
  });
});
