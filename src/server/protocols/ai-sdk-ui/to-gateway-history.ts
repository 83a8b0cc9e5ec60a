import type { ContentBlock, ImageBlock, Message, ToolResultBlock } from '../../../core/messages.js';
import { HttpError } from '../../../core/http-error.js';
import { appendHistoryMessage, INLINE_IMAGE_MEDIA_TYPES } from '../append-history-message.js';
import { SIGNATURE_FIELD, type SessionToolSignatures } from '../tool-history-signatures.js';
import {
  isUiToolPart,
  toolNameOf,
  type UiMessage,
  type UiMessagePart,
  type UiToolPart,
} from './ui-chat-request.js';

const imageMediaTypes = INLINE_IMAGE_MEDIA_TYPES;

const dataUrlPattern = /^data:([^;,]+)((?:;[^;,=]+=[^;,]*)*);base64,([A-Za-z0-9+/]*={0,2})$/;

/** A 422 naming the offending part, in the same `{detail: [{loc, msg, type}]}` shape as body validation. */
function refuse(messageIndex: number, partIndex: number, msg: string, type: string): HttpError {
  return new HttpError(422, {
    detail: [{ loc: ['body', 'messages', messageIndex, 'parts', partIndex], msg, type }],
  });
}

function toImageBlock(part: Extract<UiMessagePart, { type: 'file' }>, at: [number, number]): ImageBlock {
  const match = dataUrlPattern.exec(part.url);
  if (match === null) {
    throw refuse(
      ...at,
      'Files must be sent inline as base64 data: URLs; the gateway fetches no URLs',
      'file_url_unsupported',
    );
  }
  const mediaType = (match[1] ?? '').toLowerCase();
  if (!imageMediaTypes.has(mediaType) || mediaType !== part.mediaType.toLowerCase()) {
    throw refuse(
      ...at,
      `File type '${part.mediaType}' is not supported; send images as image/jpeg, image/png, image/gif or image/webp`,
      'file_type_unsupported',
    );
  }
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data: match[3] ?? '' } };
}

const toJson = (value: unknown): string => JSON.stringify(value === undefined ? null : value);

/** The result block of a tool part that has an outcome; undefined while it has none. */
function toResultBlock(part: UiToolPart): ToolResultBlock | undefined {
  const id = part.toolCallId;
  switch (part.state) {
    case 'output-available':
      // A preliminary output is a running call's partial output, not its result.
      return part.preliminary === true
        ? undefined
        : { type: 'tool_result', tool_use_id: id, content: toJson(part.output) };
    case 'output-error':
      return {
        type: 'tool_result',
        tool_use_id: id,
        content: toJson({ error: { code: 'tool_error', message: part.errorText ?? '' } }),
        is_error: true,
      };
    case 'output-denied':
      return {
        type: 'tool_result',
        tool_use_id: id,
        content: toJson({ error: { code: 'user_denied', message: 'User denied execution' } }),
        is_error: true,
      };
    default:
      return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Refuses a tool part with an outcome unless the gateway vouches for it: its signature covers
 * this call with this outcome (a server tool's output or error), or this call of a client-side
 * tool (the outcome is the client's), or, for a denial, this call (the user's to deny).
 */
function checkToolPart(part: UiToolPart, signatures: SessionToolSignatures, at: [number, number]): void {
  const call = { toolCallId: part.toolCallId, toolName: toolNameOf(part), input: part.input };
  const outcome =
    part.state === 'output-available'
      ? { output: part.output }
      : part.state === 'output-error'
        ? { errorText: part.errorText ?? '' }
        : undefined;
  const proof = signatures.proofOf(call, outcome, part.toolMetadata?.[SIGNATURE_FIELD]);
  if (proof === 'result' || proof === 'client_call') return;
  if (proof === 'server_call' && part.state === 'output-denied') return;
  throw refuse(
    ...at,
    `Tool call ${part.toolCallId} (${call.toolName}) with its outcome was not produced by the gateway in this session, or was changed: send tool parts back as the gateway sent them, with toolMetadata.${SIGNATURE_FIELD}`,
    'tool_call_unverified',
  );
}

/** A part and where it is in the request (message index, part index). */
interface LocatedPart {
  part: UiMessagePart;
  at: [number, number];
}

/** One assistant step as our history: the model's turn, then the results it read. */
function convertStep(parts: readonly LocatedPart[], signatures: SessionToolSignatures): Message[] {
  const assistant: ContentBlock[] = [];
  const results: ContentBlock[] = [];
  for (const { part, at } of parts) {
    if (part.type === 'text') {
      if (part.text !== '') assistant.push({ type: 'text', text: part.text });
    } else if (isUiToolPart(part)) {
      const result = toResultBlock(part);
      // A call without an outcome is pending on the server (approval, client tool): the route
      // resolves it from its own suspended run, not from this copy.
      if (result === undefined) continue;
      checkToolPart(part, signatures, at);
      assistant.push({
        type: 'tool_use',
        id: part.toolCallId,
        name: toolNameOf(part),
        input: isObject(part.input) ? part.input : {},
      });
      results.push(result);
    }
    // Reasoning is dropped: without the provider's signature it cannot be replayed to a model.
  }
  const messages: Message[] = [];
  if (assistant.length > 0) messages.push({ role: 'assistant', content: assistant });
  if (results.length > 0) messages.push({ role: 'user', content: results });
  return messages;
}

function convertUserParts(message: UiMessage, messageIndex: number): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  message.parts.forEach((part, partIndex) => {
    if (part.type === 'text') {
      if (part.text !== '') blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'file') {
      blocks.push(toImageBlock(part, [messageIndex, partIndex]));
    } else if (part.type !== 'step-start' && !part.type.startsWith('data-')) {
      throw refuse(
        messageIndex,
        partIndex,
        `A user message cannot hold a '${part.type}' part`,
        'part_type_unsupported',
      );
    }
  });
  return blocks;
}

/** Splits an assistant message's parts at its `step-start` parts (one per model call). */
function stepsOf(message: UiMessage, messageIndex: number): LocatedPart[][] {
  const steps: LocatedPart[][] = [[]];
  message.parts.forEach((part, partIndex) => {
    if (part.type === 'step-start') steps.push([]);
    else steps.at(-1)?.push({ part, at: [messageIndex, partIndex] });
  });
  return steps.filter((step) => step.length > 0);
}

/**
 * Converts the client's `UIMessage` history into our canonical history.
 *
 * User text and inline images (base64 `data:` URLs of the image types providers accept)
 * become text and image blocks; any other file, a remote URL or a system message is refused
 * with a 422 naming the part, because silently dropping it would change what the user asked.
 * Each assistant step becomes an assistant message (text, `tool_use`) followed by a user
 * message of its `tool_result`s; tool calls without an outcome yet, reasoning (unsigned) and
 * data or source parts are left out. Consecutive messages of one role are merged.
 *
 * A tool part with an outcome reaches the model only when `signatures` (the session's) vouch
 * for it, so that the model never reads a call or a result the gateway did not produce: any
 * other is refused with a 422 `tool_call_unverified` naming the part.
 */
export function toGatewayHistory(
  messages: readonly UiMessage[],
  signatures: SessionToolSignatures,
): Message[] {
  const history: Message[] = [];
  messages.forEach((message, messageIndex) => {
    if (message.role === 'system') {
      throw new HttpError(422, {
        detail: [
          {
            loc: ['body', 'messages', messageIndex, 'role'],
            msg: 'System messages are set by the gateway, not the client',
            type: 'role_unsupported',
          },
        ],
      });
    }
    if (message.role === 'user') {
      const blocks = convertUserParts(message, messageIndex);
      if (blocks.length > 0) appendHistoryMessage(history, { role: 'user', content: blocks });
      return;
    }
    for (const step of stepsOf(message, messageIndex)) {
      for (const converted of convertStep(step, signatures)) appendHistoryMessage(history, converted);
    }
  });
  return history;
}
