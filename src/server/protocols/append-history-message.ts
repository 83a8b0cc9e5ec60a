import type { ContentBlock, Message } from '../../core/messages.js';

/**
 * Appends a message to a history being converted from a frontend protocol, merging it into
 * the previous one when both have the same role (providers want the roles to alternate).
 */
export function appendHistoryMessage(history: Message[], message: Message): void {
  const previous = history.at(-1);
  if (previous === undefined || previous.role !== message.role) {
    history.push(message);
    return;
  }
  const toBlocks = (content: Message['content']): ContentBlock[] =>
    typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  previous.content = [...toBlocks(previous.content), ...toBlocks(message.content)];
}

/** Image types every provider adapter accepts as an inline image block. */
export const INLINE_IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
]);
