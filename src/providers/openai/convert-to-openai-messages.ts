import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from 'openai/resources/chat/completions';
import type { ContentBlock, ImageBlock, Message, ToolResultBlock } from '../../core/messages.js';
import { toContentBlocks } from '../../core/messages.js';
import { normalizeHistory } from '../normalize-history.js';
import { OPENAI_PROVIDER_NAME } from './openai-models.js';
import { sanitizeOpenAIToolId } from './sanitize-openai-tool-id.js';

/** Stands in for an image inside a tool result; the image itself follows in a user message. */
export const TOOL_RESULT_IMAGE_PLACEHOLDER = '(see attached image)';

const imagePart = (block: ImageBlock): ChatCompletionContentPart => ({
  type: 'image_url',
  image_url: { url: `data:${block.source.media_type};base64,${block.source.data}` },
});

const toolResultText = (block: ToolResultBlock): { text: string; images: ImageBlock[] } => {
  if (typeof block.content === 'string') return { text: block.content, images: [] };
  const images = block.content.filter((part): part is ImageBlock => part.type === 'image');
  const text = block.content
    .map((part) => (part.type === 'text' ? part.text : TOOL_RESULT_IMAGE_PLACEHOLDER))
    .join('\n');
  return { text, images };
};

const convertAssistant = (content: ContentBlock[]): ChatCompletionAssistantMessageParam | undefined => {
  const texts: string[] = [];
  const toolCalls: ChatCompletionMessageToolCall[] = [];
  for (const block of content) {
    if (block.type === 'text') {
      if (block.text !== '') texts.push(block.text);
    } else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input) },
      });
    }
    // Thinking that reaches here was written by this very model; Chat Completions has no field
    // to send reasoning back, so it is dropped (thinking of other models arrives as text).
  }
  if (texts.length === 0 && toolCalls.length === 0) return undefined;
  const text = texts.join('\n');
  return toolCalls.length === 0
    ? { role: 'assistant', content: text }
    : { role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls };
};

/**
 * Turns one user turn into chat messages: first a `tool` message per tool_result (they must
 * directly follow the assistant message that made the calls), then one user message with the
 * remaining text and images — and any images that tool results carried, since a `tool`
 * message can only hold text. Results for calls the previous assistant turn did not make are
 * dropped: the API rejects a `tool` message that answers nothing.
 */
const convertUser = (
  content: string | ContentBlock[],
  pendingCallIds: ReadonlySet<string>,
): ChatCompletionMessageParam[] => {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const output: ChatCompletionMessageParam[] = [];
  const parts: ChatCompletionContentPart[] = [];
  const attachedImages: ImageBlock[] = [];
  for (const block of content) {
    if (block.type === 'tool_result') {
      if (!pendingCallIds.has(block.tool_use_id)) continue;
      const { text, images } = toolResultText(block);
      output.push({ role: 'tool', tool_call_id: block.tool_use_id, content: text });
      attachedImages.push(...images);
    } else if (block.type === 'text') {
      if (block.text !== '') parts.push({ type: 'text', text: block.text });
    } else if (block.type === 'image') {
      parts.push(imagePart(block));
    }
  }
  parts.push(...attachedImages.map(imagePart));
  if (parts.length === 0) return output;
  const onlyText = parts.every((part) => part.type === 'text');
  output.push({
    role: 'user',
    content: onlyText ? parts.map((part) => (part.type === 'text' ? part.text : '')).join('\n') : parts,
  });
  return output;
};

/**
 * Converts canonical history into Chat Completions messages for `model` (system prompt not
 * included). The history is normalised first: failed turns dropped, tool ids sanitised for
 * OpenAI, other models' thinking turned into text, missing tool results synthesised.
 */
export function convertToOpenAIMessages(
  messages: readonly Message[],
  model: string,
): ChatCompletionMessageParam[] {
  const normalized = normalizeHistory(messages, {
    provider: OPENAI_PROVIDER_NAME,
    model,
    sanitizeToolId: sanitizeOpenAIToolId,
  });
  const output: ChatCompletionMessageParam[] = [];
  let pendingCallIds = new Set<string>();
  for (const message of normalized) {
    if (message.role === 'assistant') {
      const converted = convertAssistant(toContentBlocks(message.content));
      pendingCallIds = new Set(converted?.tool_calls?.map((call) => call.id) ?? []);
      if (converted !== undefined) output.push(converted);
    } else {
      output.push(...convertUser(message.content, pendingCallIds));
      pendingCallIds = new Set();
    }
  }
  return output;
}
