import type { ContentBlock, ToolResultBlock } from '../../../core/messages.js';
import type { StoredMessage } from '../../../core/thread-store.js';
import type { AgUiSnapshotMessage } from './ag-ui-events.js';

const blocksOf = (content: string | ContentBlock[]): ContentBlock[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : content;

const textOf = (blocks: ReadonlyArray<{ type: string; text?: string }>): string =>
  blocks.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');

const resultText = (content: ToolResultBlock['content']): string =>
  typeof content === 'string' ? content : textOf(content);

/** The message of an error result (`{"error":{"message"}}`), or its text. */
function errorOf(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    const error: unknown =
      typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'error') : undefined;
    const message: unknown =
      typeof error === 'object' && error !== null ? Reflect.get(error, 'message') : undefined;
    return typeof message === 'string' ? message : text;
  } catch {
    return text;
  }
}

/**
 * A stored thread as AG-UI messages, for `MESSAGES_SNAPSHOT`: user text as user messages,
 * thinking as reasoning messages, each assistant turn's text and tool calls as one assistant
 * message, each tool result as a tool message. Ids are the thread's sequence numbers, stable
 * across runs. Images, redacted thinking and compaction blocks are the model's and are left out.
 */
export function storedToAgUiMessages(stored: readonly StoredMessage[]): AgUiSnapshotMessage[] {
  return stored.flatMap(({ seq, message }): AgUiSnapshotMessage[] => {
    const blocks = blocksOf(message.content);
    if (message.role === 'user') {
      const results: AgUiSnapshotMessage[] = blocks.flatMap((block, index): AgUiSnapshotMessage[] => {
        if (block.type !== 'tool_result') return [];
        const content = resultText(block.content);
        return [
          {
            id: `m${seq}_${index}`,
            role: 'tool',
            toolCallId: block.tool_use_id,
            content,
            ...(block.is_error === true ? { error: errorOf(content) } : {}),
          },
        ];
      });
      const text = textOf(blocks);
      return text === '' ? results : [...results, { id: `m${seq}`, role: 'user', content: text }];
    }
    const out: AgUiSnapshotMessage[] = [];
    const thinking = blocks.flatMap((block) => (block.type === 'thinking' ? [block.thinking] : [])).join('');
    if (thinking !== '') out.push({ id: `m${seq}_reasoning`, role: 'reasoning', content: thinking });
    const text = textOf(blocks);
    const toolCalls = blocks.flatMap((block) =>
      block.type === 'tool_use'
        ? [
            {
              id: block.id,
              type: 'function' as const,
              function: { name: block.name, arguments: JSON.stringify(block.input) },
            },
          ]
        : [],
    );
    if (text !== '' || toolCalls.length > 0) {
      out.push({
        id: `m${seq}`,
        role: 'assistant',
        ...(text === '' ? {} : { content: text }),
        ...(toolCalls.length === 0 ? {} : { toolCalls }),
      });
    }
    return out;
  });
}
