import type {
  Base64ImageSource,
  ContentBlockParam,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import type { BetaCompactionBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import type {
  CompactionBlock,
  ContentBlock,
  ImageBlock,
  Message,
  TextBlock,
  ToolResultBlock,
} from '../../core/messages.js';
import { normalizeHistory } from '../normalize-history.js';
import { sanitizeAnthropicToolId } from './sanitize-anthropic-tool-id.js';

/** Options of `convertToAnthropicMessages`. */
export interface ConvertToAnthropicMessagesOptions {
  /** Model about to receive the history; thinking blocks are replayed only to their author. */
  model: string;
}

type ImageMediaType = Base64ImageSource['media_type'];
const imageMediaTypes: ReadonlySet<string> = new Set<ImageMediaType>([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
]);
const isImageMediaType = (value: string): value is ImageMediaType => imageMediaTypes.has(value);

const toTextParam = (block: TextBlock): TextBlockParam =>
  block.cache_control === undefined
    ? { type: 'text', text: block.text }
    : { type: 'text', text: block.text, cache_control: { type: 'ephemeral' } };

// Anthropic rejects image types outside its list with a 400 for the whole request; a short note
// in place of the image keeps the conversation usable and tells the model something was there.
const toImageParam = (block: ImageBlock): ImageBlockParam | TextBlockParam => {
  const mediaType = block.source.media_type;
  if (!isImageMediaType(mediaType)) {
    return { type: 'text', text: `[image omitted: unsupported media type ${mediaType}]` };
  }
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data: block.source.data } };
};

const toToolResultParam = (block: ToolResultBlock): ToolResultBlockParam => {
  const content =
    typeof block.content === 'string'
      ? block.content
      : block.content.map((part) => (part.type === 'text' ? toTextParam(part) : toImageParam(part)));
  return block.is_error === true
    ? { type: 'tool_result', tool_use_id: block.tool_use_id, content, is_error: true }
    : { type: 'tool_result', tool_use_id: block.tool_use_id, content };
};

/**
 * A compaction block, sent back verbatim. Only the beta endpoint knows the type (the provider
 * switches to it when compaction is on, which is when such blocks exist), so the stable
 * parameter type does not list it.
 */
const toCompactionParam = (block: CompactionBlock): ContentBlockParam => {
  const param: BetaCompactionBlockParam = {
    type: 'compaction',
    content: block.content,
    ...(block.encrypted_content === undefined ? {} : { encrypted_content: block.encrypted_content }),
    ...(block.signature === undefined ? {} : { signature: block.signature }),
  };
  return param as unknown as ContentBlockParam;
};

/** One canonical block as an SDK block; undefined when the block must not be sent. */
const toBlockParam = (block: ContentBlock): ContentBlockParam | undefined => {
  switch (block.type) {
    case 'text':
      // The API rejects empty text blocks; they carry nothing, so they are dropped.
      return block.text === '' ? undefined : toTextParam(block);
    case 'thinking':
      // A thinking block is only accepted back with its signature; without one, keep the
      // reasoning as plain text rather than failing the whole request.
      if (block.signature === undefined || block.signature === '') {
        return block.thinking.trim() === '' ? undefined : { type: 'text', text: block.thinking };
      }
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
    case 'image':
      return toImageParam(block);
    case 'tool_result':
      return toToolResultParam(block);
    case 'compaction':
      return toCompactionParam(block);
  }
};

/**
 * Converts canonical history into the Messages API `messages` array: normalises it first
 * (failed turns dropped, foreign thinking demoted to text, tool ids sanitised for Anthropic,
 * missing tool results synthesised), then keeps only `role` and `content`, so bookkeeping
 * fields (`provider`, `model`, `stop_reason`) never reach the wire. A message left with no
 * sendable block is dropped; the API merges the neighbouring turns of the same role.
 */
export function convertToAnthropicMessages(
  messages: readonly Message[],
  options: ConvertToAnthropicMessagesOptions,
): MessageParam[] {
  const normalized = normalizeHistory(messages, {
    provider: 'anthropic',
    model: options.model,
    sanitizeToolId: sanitizeAnthropicToolId,
  });
  const output: MessageParam[] = [];
  for (const message of normalized) {
    if (typeof message.content === 'string') {
      if (message.content !== '') output.push({ role: message.role, content: message.content });
      continue;
    }
    const content: ContentBlockParam[] = [];
    for (const block of message.content) {
      const converted = toBlockParam(block);
      if (converted !== undefined) content.push(converted);
    }
    if (content.length > 0) output.push({ role: message.role, content });
  }
  return output;
}
