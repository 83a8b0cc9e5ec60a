import type { ContentBlock, Message, ToolResultBlock } from '../../../core/messages.js';
import { HttpError } from '../../../core/http-error.js';
import { appendHistoryMessage, INLINE_IMAGE_MEDIA_TYPES } from '../append-history-message.js';
import { SIGNATURE_FIELD, type SessionToolSignatures } from '../tool-history-signatures.js';
import type { AgUiMessage, RunAgentInput } from './run-agent-input.js';

type Content = Extract<AgUiMessage, { role: 'user' }>['content'];
type ToolCall = NonNullable<Extract<AgUiMessage, { role: 'assistant' }>['toolCalls']>[number];
type ToolMessage = Extract<AgUiMessage, { role: 'tool' }>;

/** A 422 naming the offending message, in the shape of body validation errors. */
const refuse = (index: number, msg: string, type: string): HttpError =>
  new HttpError(422, { detail: [{ loc: ['body', 'messages', index, 'content'], msg, type }] });

/** User content as blocks: text, and images sent inline as base64 data. */
function toBlocks(content: Content, index: number): ContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map((part): ContentBlock => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    if (part.type !== 'image') {
      throw refuse(
        index,
        `Content of type '${part.type}' is not supported; send text or images`,
        'content_unsupported',
      );
    }
    const mediaType = (part.source.mimeType ?? '').toLowerCase();
    if (part.source.type !== 'data' || !INLINE_IMAGE_MEDIA_TYPES.has(mediaType)) {
      throw refuse(
        index,
        'Images must be sent inline (source type "data") as image/jpeg, image/png, image/gif or image/webp; the gateway fetches no URLs',
        'image_unsupported',
      );
    }
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: part.source.value } };
  });
}

/** The text of tool content (parts other than text are left out of a tool result). */
const textOf = (content: Content): string =>
  typeof content === 'string'
    ? content
    : content.map((part) => (part.type === 'text' ? part.text : '')).join('');

/** The signature a call or a tool message carries in its `metadata`. */
const signatureOf = (holder: { metadata?: unknown }): unknown =>
  typeof holder.metadata === 'object' && holder.metadata !== null
    ? Reflect.get(holder.metadata, SIGNATURE_FIELD)
    : undefined;

/** The arguments of a call as sent (parsed JSON), to check a signature over. */
function sentArgumentsOf(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Whether the gateway vouches for a tool message answering one of `calls` (the thread's calls
 * with its id): the message's signature covers that call with exactly this content (a server
 * tool's result), or the call's own signature says it is a client-side (frontend) tool's,
 * whose result is the client's to give.
 */
function isVouchedFor(
  message: ToolMessage,
  calls: readonly ToolCall[],
  signatures: SessionToolSignatures,
): boolean {
  const outcome = {
    content: textOf(message.content),
    ...(message.error === undefined ? {} : { error: message.error }),
  };
  return calls.some((call) => {
    const signed = {
      toolCallId: call.id,
      toolName: call.function.name,
      input: sentArgumentsOf(call.function.arguments),
    };
    return (
      signatures.proofOf(signed, outcome, signatureOf(message)) === 'result' ||
      signatures.proofOf(signed, outcome, signatureOf(call)) === 'client_call'
    );
  });
}

/** Parsed tool call arguments; not an object (or not JSON) gives `{}`. */
function argumentsOf(raw: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(raw === '' ? '{}' : raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * Converts an AG-UI thread into our canonical history. User text and inline images become
 * blocks (another kind of content is refused with a 422 naming the message); assistant text
 * and tool calls become text and `tool_use` blocks, tool messages `tool_result` blocks. Tool
 * calls without a result in the thread are left out (providers refuse a dangling call), as are
 * system, developer, activity and reasoning messages: the system prompt is the deployment's.
 * `context` entries the application shares are added to the last user message as a note.
 *
 * A tool result reaches the model only when `signatures` (the session's) vouch for it, so that
 * the model never reads a call or a result the gateway did not produce: a server tool's result
 * must carry the gateway's signature of its call and content, a frontend tool's result must
 * answer a call the gateway signed as a frontend tool's. Any other is refused with a 422
 * `tool_call_unverified` naming the tool message; a tool message answering no call of the
 * thread is left out, like a call without a result.
 */
export function agUiToHistory(
  input: Pick<RunAgentInput, 'messages' | 'context'>,
  signatures: SessionToolSignatures,
): Message[] {
  const callsById = new Map<string, ToolCall[]>();
  for (const message of input.messages) {
    if (message.role !== 'assistant') continue;
    for (const call of message.toolCalls ?? [])
      callsById.set(call.id, [...(callsById.get(call.id) ?? []), call]);
  }
  const answered = new Set<string>();
  input.messages.forEach((message, index) => {
    if (message.role !== 'tool') return;
    const calls = callsById.get(message.toolCallId);
    if (calls === undefined) return;
    if (!isVouchedFor(message, calls, signatures)) {
      throw new HttpError(422, {
        detail: [
          {
            loc: ['body', 'messages', index],
            msg: `The result of tool call ${message.toolCallId} was not produced by the gateway in this session, or was changed: send tool calls and tool messages back as the gateway sent them, with metadata.${SIGNATURE_FIELD}`,
            type: 'tool_call_unverified',
          },
        ],
      });
    }
    answered.add(message.toolCallId);
  });
  const history: Message[] = [];
  input.messages.forEach((message, index) => {
    if (message.role === 'user') {
      const blocks = toBlocks(message.content, index);
      if (blocks.length > 0) appendHistoryMessage(history, { role: 'user', content: blocks });
    } else if (message.role === 'assistant') {
      const blocks: ContentBlock[] = [];
      if (typeof message.content === 'string' && message.content !== '') {
        blocks.push({ type: 'text', text: message.content });
      }
      for (const call of message.toolCalls ?? []) {
        if (!answered.has(call.id)) continue;
        blocks.push({
          type: 'tool_use',
          id: call.id,
          name: call.function.name,
          input: argumentsOf(call.function.arguments),
        });
      }
      if (blocks.length > 0) appendHistoryMessage(history, { role: 'assistant', content: blocks });
    } else if (message.role === 'tool' && answered.has(message.toolCallId)) {
      const result: ToolResultBlock = {
        type: 'tool_result',
        tool_use_id: message.toolCallId,
        content:
          message.error === undefined ? textOf(message.content) : JSON.stringify({ error: message.error }),
        ...(message.error === undefined ? {} : { is_error: true }),
      };
      appendHistoryMessage(history, { role: 'user', content: [result] });
    }
  });
  const notes = input.context.map((entry) => `- ${entry.description}: ${entry.value}`);
  const last = history.at(-1);
  if (notes.length > 0 && last?.role === 'user') {
    appendHistoryMessage(history, {
      role: 'user',
      content: [{ type: 'text', text: `Context from the application:\n${notes.join('\n')}` }],
    });
  }
  return history;
}
