import type { ContentBlock, Message, ToolResultBlock } from '../core/messages.js';
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
 * Prepares canonical history for one provider call, without mutating the input:
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
      const sameModel = message.provider === options.provider && message.model === options.model;
      const content: ContentBlock[] = [];
      for (const block of toContentBlocks(message.content)) {
        if (block.type === 'thinking' && !sameModel) {
          if (block.thinking.trim() !== '') content.push({ type: 'text', text: block.thinking });
        } else if (block.type === 'redacted_thinking' && !sameModel) {
          continue;
        } else if (block.type === 'compaction' && message.provider !== options.provider) {
          // Another provider cannot read the block: its summary goes on as text.
          if (block.content !== null && block.content.trim() !== '') {
            content.push({ type: 'text', text: `${COMPACTION_SUMMARY_HEADER}\n${block.content}` });
          }
        } else if (block.type === 'tool_use') {
          const id = options.sanitizeToolId(block.id);
          unanswered.push(id);
          content.push({ ...block, id });
        } else {
          content.push(block);
        }
      }
      if (content.length > 0) output.push({ ...message, content });
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
    if (results.length === 0 && synthesised.length === 0 && typeof message.content === 'string') {
      output.push({ ...message });
    } else {
      output.push({ ...message, content: [...results, ...synthesised, ...others] });
    }
  }
  if (unanswered.length > 0) output.push({ role: 'user', content: unanswered.map(missingResult) });
  return output;
}
