import type { ContentBlock, ToolResultBlock } from '../../../core/messages.js';
import type { StoredMessage } from '../../../core/thread-store.js';
import { uiMessageIdOf } from './ui-message-id.js';

/** A tool part of a reloaded message (AI SDK 6 `ToolUIPart` / `DynamicToolUIPart`). */
export interface StoredUiToolPart {
  type: `tool-${string}` | 'dynamic-tool';
  toolName?: string;
  toolCallId: string;
  state: 'input-available' | 'output-available' | 'output-error' | 'output-denied';
  input: unknown;
  output?: unknown;
  errorText?: string;
}

/** One part of a reloaded message. */
export type StoredUiPart =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'file'; mediaType: string; url: string }
  | { type: 'step-start' }
  | StoredUiToolPart;

/** A reloaded `UIMessage` (AI SDK 6): what `useChat({ messages })` starts from. */
export interface StoredUiMessage {
  id: string;
  role: 'user' | 'assistant';
  parts: StoredUiPart[];
}

const blocksOf = (content: string | ContentBlock[]): ContentBlock[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : content;

const textOf = (content: ToolResultBlock['content']): string =>
  typeof content === 'string'
    ? content
    : content.map((block) => (block.type === 'text' ? block.text : '')).join('');

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

const field = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (at, name) => (typeof at === 'object' && at !== null ? Reflect.get(at, name) : undefined),
    value,
  );

/** Sets a tool part's outcome from its result, as the encoder's output chunks would have. */
function settle(part: StoredUiToolPart, result: ToolResultBlock): void {
  const value = parsed(textOf(result.content));
  if (result.is_error !== true) {
    part.state = 'output-available';
    part.output = value;
    return;
  }
  if (field(value, 'error', 'code') === 'user_denied') {
    part.state = 'output-denied';
    return;
  }
  const message = field(value, 'error', 'message');
  part.state = 'output-error';
  part.errorText = typeof message === 'string' ? message : textOf(result.content);
}

/**
 * A stored thread as `UIMessage[]`: each user message as one message (its text and images);
 * each run's assistant turns as one assistant message with the id its stream had
 * (`msg_<runId>`), a `step-start` per model turn, text, reasoning and tool parts, each tool
 * part carrying its result from the tool-result message that follows. Compaction blocks and
 * redacted thinking are the model's and are not shown. `isDynamicTool` names the tools
 * streamed as `dynamic-tool` parts (MCP tools).
 */
export function storedToUiMessages(
  stored: readonly StoredMessage[],
  isDynamicTool: (toolName: string) => boolean = () => false,
): StoredUiMessage[] {
  const messages: StoredUiMessage[] = [];
  const calls = new Map<string, StoredUiToolPart>();
  for (const { seq, runId, message } of stored) {
    const blocks = blocksOf(message.content);
    if (message.role === 'user') {
      const results = blocks.filter((block): block is ToolResultBlock => block.type === 'tool_result');
      for (const result of results) {
        const part = calls.get(result.tool_use_id);
        if (part !== undefined) settle(part, result);
      }
      const parts: StoredUiPart[] = blocks.flatMap((block): StoredUiPart[] => {
        if (block.type === 'text') return [{ type: 'text', text: block.text }];
        if (block.type === 'image') {
          const { media_type, data } = block.source;
          return [{ type: 'file', mediaType: media_type, url: `data:${media_type};base64,${data}` }];
        }
        return [];
      });
      if (parts.length > 0) messages.push({ id: `user_${seq}`, role: 'user', parts });
      continue;
    }
    const id = runId === undefined ? `msg_seq_${seq}` : uiMessageIdOf(runId);
    let current = messages.at(-1);
    if (current?.role !== 'assistant' || current.id !== id) {
      current = { id, role: 'assistant', parts: [] };
      messages.push(current);
    }
    current.parts.push({ type: 'step-start' });
    for (const block of blocks) {
      if (block.type === 'text' && block.text !== '') current.parts.push({ type: 'text', text: block.text });
      else if (block.type === 'thinking' && block.thinking !== '')
        current.parts.push({ type: 'reasoning', text: block.thinking });
      else if (block.type === 'tool_use') {
        const part: StoredUiToolPart = isDynamicTool(block.name)
          ? {
              type: 'dynamic-tool',
              toolName: block.name,
              toolCallId: block.id,
              state: 'input-available',
              input: block.input,
            }
          : {
              type: `tool-${block.name}`,
              toolCallId: block.id,
              state: 'input-available',
              input: block.input,
            };
        calls.set(block.id, part);
        current.parts.push(part);
      }
    }
  }
  return messages;
}
