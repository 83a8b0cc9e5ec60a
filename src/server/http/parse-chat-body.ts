import { ChatBody, type ChatMessageBody } from '../contracts/request-schemas.js';
import { THREAD_ID_PATTERN } from '../../core/thread-limits.js';
import { multitaskSchema, type MultitaskStrategy } from '../contracts/multitask-option.js';
import { parseBody } from './parse-body.js';

const strategies: ReadonlySet<string> = new Set(multitaskSchema.options);

/** A plain object as `JSON.parse` makes it (not an array, not a class instance). */
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** The messages of a common body, copied with only their two fields; undefined if any is unusual. */
function messagesOf(value: unknown): ChatMessageBody[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const items: unknown[] = value;
  const messages: ChatMessageBody[] = new Array<ChatMessageBody>(items.length);
  for (let index = 0; index < items.length; index += 1) {
    const item = items[index];
    if (!isPlainObject(item)) return undefined;
    const { role, content } = item;
    if ((role !== 'user' && role !== 'assistant') || typeof content !== 'string') return undefined;
    messages[index] = { role, content };
  }
  return messages;
}

/** A copy of a plain `context` object; undefined for anything else (or a `__proto__` key). */
function contextOf(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return {};
  if (!isPlainObject(value) || Object.hasOwn(value, '__proto__')) return undefined;
  return { ...value };
}

/**
 * The `ChatBody` of the common request, checked by hand: what the schema would return for it,
 * the same fields in the same order, unknown fields left out. Undefined for anything it does not
 * recognise as valid, which then goes to the schema (and its errors).
 */
export function fastChatBody(value: unknown): ChatBody | undefined {
  if (!isPlainObject(value)) return undefined;
  const { thread_id, model, multitask } = value;
  const messages = messagesOf(value['messages']);
  if (messages === undefined) return undefined;
  if (thread_id !== undefined && (typeof thread_id !== 'string' || !THREAD_ID_PATTERN.test(thread_id))) {
    return undefined;
  }
  const context = contextOf(value['context']);
  if (context === undefined) return undefined;
  if (model !== undefined && model !== null && typeof model !== 'string') return undefined;
  if (multitask !== undefined && (typeof multitask !== 'string' || !strategies.has(multitask))) {
    return undefined;
  }
  // In the schema's order of fields, as its output has them.
  const body: ChatBody = thread_id === undefined ? { messages, context } : { messages, thread_id, context };
  if (model !== undefined) body.model = model;
  if (multitask !== undefined) body.multitask = multitask as MultitaskStrategy;
  return body;
}

/**
 * Validates the body of `POST /chat`: `parseBody(ChatBody, value)`, with the same result and the
 * same 422 errors, but the common body (text messages, the optional fields of the right types)
 * is checked without the schema, which was a measurable part of a chat's CPU.
 */
export function parseChatBody(value: unknown): ChatBody {
  return fastChatBody(value) ?? parseBody(ChatBody, value);
}
