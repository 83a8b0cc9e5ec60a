import type { AssistantMessage, ContentBlock, Message, ToolResultBlock } from '../core/messages.js';
import { toContentBlocks } from '../core/messages.js';

/** How a provider wants the canonical history cleaned before conversion. */
export interface NormalizeHistoryOptions {
  /** Provider about to receive the history. */
  provider: string;
  /** Model about to receive the history; thinking is only replayed to the model that wrote it. */
  model: string;
  /** Maps a tool id to one the provider accepts; must be deterministic. */
  sanitizeToolId: (id: string) => string;
}

const missingResult = (toolUseId: string): ToolResultBlock => ({
  type: 'tool_result',
  tool_use_id: toolUseId,
  content: JSON.stringify({ error: { code: 'missing_tool_result', message: 'No result provided' } }),
  is_error: true,
});

/** What introduces a compaction summary replayed as text. */
export const COMPACTION_SUMMARY_HEADER = '[Summary of the earlier conversation]';

/**
 * An assistant message's blocks as `options` wants them sent, and the (sanitized) ids of its
 * tool calls in `calls`: the message's own array when nothing in it changes (most turns), so a
 * long history costs no copy per call.
 */
function assistantContent(
  message: AssistantMessage,
  blocks: ContentBlock[],
  options: NormalizeHistoryOptions,
  calls: string[],
): ContentBlock[] {
  const sameModel = message.provider === options.provider && message.model === options.model;
  let content: ContentBlock[] | undefined;
  for (let index = 0; index < blocks.length; index += 1) {
    const block = blocks[index] as ContentBlock;
    let kept: ContentBlock | undefined = block;
    if (block.type === 'thinking' && !sameModel) {
      kept = block.thinking.trim() === '' ? undefined : { type: 'text', text: block.thinking };
    } else if (block.type === 'redacted_thinking' && !sameModel) {
      kept = undefined;
    } else if (block.type === 'compaction' && message.provider !== options.provider) {
      // Another provider cannot read the block: its summary goes on as text.
      kept =
        block.content === null || block.content.trim() === ''
          ? undefined
          : { type: 'text', text: `${COMPACTION_SUMMARY_HEADER}\n${block.content}` };
    } else if (block.type === 'tool_use') {
      const id = options.sanitizeToolId(block.id);
      calls.push(id);
      if (id !== block.id) kept = { ...block, id };
    }
    // Copied from the first block that changes on.
    if (content === undefined && kept !== block) content = blocks.slice(0, index);
    if (content !== undefined && kept !== undefined) content.push(kept);
  }
  return content ?? blocks;
}

/**
 * Prepares canonical history for one provider call, without mutating the input (a message that
 * needs no change is passed on as it is):
 * - drops assistant turns that failed (`stop_reason: "error"`);
 * - keeps thinking blocks only for the provider and model that produced them, and turns other
 *   thinking into plain text (redacted thinking from elsewhere is dropped), and another
 *   provider's compaction blocks into their summary as text;
 * - rewrites tool ids with `sanitizeToolId`, in tool_use and tool_result blocks alike;
 * - synthesises an error tool_result for every tool_use that has none before the next
 *   assistant turn (or the end), so the provider never rejects the history.
 */
export function normalizeHistory(messages: readonly Message[], options: NormalizeHistoryOptions): Message[] {
  const output: Message[] = [];
  let unanswered: string[] = [];

  for (const message of messages) {
    if (message.role === 'assistant') {
      if (message.stop_reason === 'error') continue;
      if (unanswered.length > 0) output.push({ role: 'user', content: unanswered.map(missingResult) });
      unanswered = [];
      // A string becomes a text block (a new array: the message is copied with it).
      const content = assistantContent(message, toContentBlocks(message.content), options, unanswered);
      if (content.length === 0) continue;
      output.push(content === message.content ? message : { ...message, content });
      continue;
    }
    if (unanswered.length === 0 && typeof message.content === 'string') {
      output.push(message);
      continue;
    }
    const results: ContentBlock[] = [];
    const others: ContentBlock[] = [];
    for (const block of toContentBlocks(message.content)) {
      if (block.type === 'tool_result')
        results.push({ ...block, tool_use_id: options.sanitizeToolId(block.tool_use_id) });
      else others.push(block);
    }
    const answered = new Set(results.map((block) => (block as ToolResultBlock).tool_use_id));
    const synthesised = unanswered.filter((id) => !answered.has(id)).map(missingResult);
    unanswered = [];
    output.push({ ...message, content: [...results, ...synthesised, ...others] });
  }
  if (unanswered.length > 0) output.push({ role: 'user', content: unanswered.map(missingResult) });
  return output;
}
