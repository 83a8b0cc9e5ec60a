import type { Message } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';

/** Largest text a message may carry, in characters (the body limit bounds it further). */
const MAX_TEXT_CHARS = 200_000;

/**
 * The text a new task's message asks: its text parts in order, data parts as JSON. File parts
 * (raw bytes, URLs) are refused: the gateway does not fetch or store files for a task.
 */
export function textOfMessage(message: Message): string {
  const pieces = message.parts.map((part) => {
    const content = part.content;
    if (content?.$case === 'text') return content.value;
    if (content?.$case === 'data') return JSON.stringify(content.value);
    throw new RequestMalformedError(
      'Only text and data parts are accepted; send file contents as text or a data part',
    );
  });
  const text = pieces.join('\n').trim();
  if (text === '') throw new RequestMalformedError('The message has no text: send at least one text part');
  if (text.length > MAX_TEXT_CHARS) {
    throw new RequestMalformedError(`The message is longer than ${MAX_TEXT_CHARS} characters`);
  }
  return text;
}

/** A client's answer to a call its task waits for, from a data part of a follow-up message. */
export interface CallAnswer {
  toolCallId: string | undefined;
  nonce: string | undefined;
  /** Set for an approval. */
  approved: boolean | undefined;
  alwaysAllow: boolean;
  /** Set for a client-side tool: its result or error object. */
  result: Record<string, unknown> | null | undefined;
  error: Record<string, unknown> | null | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringField = (data: Record<string, unknown>, name: string): string | undefined => {
  const value = data[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new RequestMalformedError(`${name} must be a string`);
  return value;
};

const objectField = (
  data: Record<string, unknown>,
  name: string,
): Record<string, unknown> | null | undefined => {
  const value = data[name];
  if (value === undefined || value === null) return value;
  if (!isRecord(value)) throw new RequestMalformedError(`${name} must be an object or null`);
  return value;
};

/**
 * The answers a follow-up message gives: each data part with `approved` (an approval) or
 * `result` / `error` (a client-side tool), naming the call by `tool_call_id` (which may be left
 * out when the task waits for exactly one call). A `nonce`, when a client sends one, must match
 * the call's. A message without an answer is refused.
 */
export function answersOfMessage(message: Message): CallAnswer[] {
  const answers: CallAnswer[] = [];
  for (const part of message.parts) {
    const content = part.content;
    if (content?.$case !== 'data' || !isRecord(content.value)) continue;
    const data = content.value;
    const approved = data['approved'];
    if (approved !== undefined && typeof approved !== 'boolean') {
      throw new RequestMalformedError('approved must be true or false');
    }
    const result = objectField(data, 'result');
    const error = objectField(data, 'error');
    if (approved === undefined && result === undefined && error === undefined) continue;
    answers.push({
      toolCallId: stringField(data, 'tool_call_id'),
      nonce: stringField(data, 'nonce'),
      approved,
      alwaysAllow: data['always_allow'] === true,
      result,
      error,
    });
  }
  if (answers.length === 0) {
    throw new RequestMalformedError(
      'This task waits for an answer: send a data part {"tool_call_id", "approved": true|false} for an approval, or {"tool_call_id", "result": {...}} for a client-side tool',
    );
  }
  return answers;
}
