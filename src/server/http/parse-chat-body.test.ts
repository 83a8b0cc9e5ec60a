import { describe, expect, it } from 'vitest';
import { HttpError } from '../../core/http-error.js';
import { ChatBody } from '../contracts/request-schemas.js';
import { parseBody } from './parse-body.js';
import { fastChatBody, parseChatBody } from './parse-chat-body.js';

/** What `parse` returns for `value`, or the status and body of the error it throws. */
function outcome(parse: (value: unknown) => unknown, value: unknown): unknown {
  try {
    // JSON text: the same fields in the same order, as the run stores them.
    return { ok: JSON.stringify(parse(value)) };
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, body: error.body };
    throw error;
  }
}

const message = { role: 'user', content: 'hi' };

const validBodies: Array<[string, unknown]> = [
  ['one message', { messages: [message] }],
  ['a conversation', { messages: [message, { role: 'assistant', content: '' }, message] }],
  [
    'every field',
    { messages: [message], thread_id: 't-1.a:b', context: { a: 1, b: [2] }, model: 'm', multitask: 'steer' },
  ],
  [
    'fields in another order',
    { multitask: 'enqueue', model: null, context: {}, thread_id: 'x', messages: [message] },
  ],
  ['unknown fields', { messages: [{ ...message, extra: true }], extra: { deep: [1] } }],
  ['a null model', { messages: [message], model: null }],
  ['a context of many keys', { messages: [message], context: { z: 1, a: 'x', m: null } }],
];

const invalidBodies: Array<[string, unknown]> = [
  ['no messages', {}],
  ['the body an array', [message]],
  ['the body a string', 'hi'],
  ['the body null', null],
  ['empty messages', { messages: [] }],
  ['messages not a list', { messages: message }],
  ['a message not an object', { messages: ['hi'] }],
  ['a null message', { messages: [null] }],
  ['a system message', { messages: [{ role: 'system', content: 'x' }] }],
  ['a message without content', { messages: [{ role: 'user' }] }],
  ['content parts', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }],
  ['a bad thread id', { messages: [message], thread_id: 'a b' }],
  ['a thread id too long', { messages: [message], thread_id: 'x'.repeat(129) }],
  ['a numeric thread id', { messages: [message], thread_id: 7 }],
  ['a list context', { messages: [message], context: [1] }],
  ['a null context', { messages: [message], context: null }],
  ['a numeric model', { messages: [message], model: 4 }],
  ['an unknown multitask', { messages: [message], multitask: 'later' }],
  ['a null multitask', { messages: [message], multitask: null }],
  ['a misspelt field', { message: [message] }],
];

describe('parseChatBody', () => {
  it.each(validBodies)('returns what the schema returns for %s, checked without it', (_name, body) => {
    expect(fastChatBody(body)).toBeDefined();
    expect(outcome(parseChatBody, body)).toEqual(outcome((value) => parseBody(ChatBody, value), body));
  });

  it.each(invalidBodies)('refuses %s with the schema’s own 422', (_name, body) => {
    expect(fastChatBody(body)).toBeUndefined();
    const refused = outcome(parseChatBody, body);
    expect(refused).toMatchObject({ status: 422 });
    expect(refused).toEqual(outcome((value) => parseBody(ChatBody, value), body));
  });

  it('leaves a context with a __proto__ key to the schema, which decides as before', () => {
    const body: unknown = JSON.parse(
      '{"messages":[{"role":"user","content":"a"}],"context":{"__proto__":{"x":1}}}',
    );
    expect(fastChatBody(body)).toBeUndefined();
    expect(outcome(parseChatBody, body)).toEqual(outcome((value) => parseBody(ChatBody, value), body));
  });

  it('returns copies: the messages and context it returns are not the request’s objects', () => {
    const body = { messages: [{ ...message }], context: { a: 1 } };
    const parsed = parseChatBody(body);
    expect(parsed.messages[0]).not.toBe(body.messages[0]);
    expect(parsed.context).not.toBe(body.context);
    expect(parsed).toEqual({ messages: [message], context: { a: 1 } });
  });
});
