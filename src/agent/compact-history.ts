import type { ContentBlock, Message } from '../core/messages.js';
import type { Provider, TurnUsage } from '../core/provider.js';
import { COMPACTION_SUMMARY_HEADER } from '../providers/normalize-history.js';
import { emptyTurnUsage } from './usage.js';

/** Messages kept verbatim at the end of a compacted history: the last model turn and its tool results. */
const KEEP_RECENT_MESSAGES = 2;
/** Output budget of the summary call. */
/** The output cap of a summary call. */
export const SUMMARY_MAX_TOKENS = 4_096;

const SUMMARY_PROMPT =
  'You compact conversations. Summarise the conversation you are given so that an assistant ' +
  'can continue it without the full transcript: the user’s goals and constraints, decisions made, ' +
  'facts and results found (with names, numbers, paths and URLs exactly), tool calls that ' +
  'matter and what they returned, and what is still open. Write plain text, no preamble.';

/** Options of `compactHistory`. */
export interface CompactHistoryOptions {
  provider: Provider;
  /** The model that writes the summary. */
  model: string;
  messages: readonly Message[];
  /** What the summary must keep, added to the built-in instructions. */
  instructions?: string | undefined;
  signal: AbortSignal;
}

/** A compacted history, the summary that replaced the older turns, and what the call cost. */
export interface CompactedHistory {
  messages: Message[];
  summary: string;
  usage: TurnUsage;
}

const blocksOf = (message: Message): ContentBlock[] =>
  typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;

/** One message as plain text for the summariser (tool calls and results in brackets). */
function transcriptLine(message: Message): string {
  const parts = blocksOf(message).flatMap((block): string[] => {
    switch (block.type) {
      case 'text':
        return [block.text];
      case 'tool_use':
        return [`[tool call ${block.name} ${JSON.stringify(block.input)}]`];
      case 'tool_result':
        return [
          `[tool result${block.is_error === true ? ' (error)' : ''}: ${
            typeof block.content === 'string'
              ? block.content
              : block.content.map((part) => (part.type === 'text' ? part.text : '[image]')).join(' ')
          }]`,
        ];
      case 'compaction':
        return block.content === null ? [] : [`${COMPACTION_SUMMARY_HEADER} ${block.content}`];
      case 'image':
        return ['[image]'];
      default:
        return [];
    }
  });
  return `${message.role.toUpperCase()}: ${parts.join('\n')}`;
}

/**
 * Where the kept tail starts: an assistant message at least `KEEP_RECENT_MESSAGES` from the
 * end, so every tool call in the tail has its result after it and every result its call.
 * Undefined when nothing before it would be summarised.
 */
export function compactionSplit(messages: readonly Message[]): number | undefined {
  // At least two messages go into the summary: replacing one message by its summary gains nothing.
  for (let index = messages.length - KEEP_RECENT_MESSAGES; index >= 2; index -= 1) {
    if (messages[index]?.role === 'assistant') return index;
  }
  return undefined;
}

/**
 * Client-side compaction, for providers that have none of their own: asks the model to
 * summarise the older part of the conversation and replaces it by one user message carrying
 * the summary, keeping the recent turns (tool calls with their results) as they are. Resolves
 * undefined when there is too little to compact or the summary came back empty; rejects when
 * the call fails (the caller goes on uncompacted).
 */
export async function compactHistory(options: CompactHistoryOptions): Promise<CompactedHistory | undefined> {
  const split = compactionSplit(options.messages);
  if (split === undefined) return undefined;
  const older = options.messages.slice(0, split);
  const instructions = options.instructions?.trim();
  let summary = '';
  let usage = emptyTurnUsage();
  const stream = options.provider.stream(
    {
      model: options.model,
      system:
        instructions === undefined || instructions === ''
          ? SUMMARY_PROMPT
          : `${SUMMARY_PROMPT}\n\n${instructions}`,
      messages: [
        {
          role: 'user',
          content: `The conversation to summarise:\n\n${older.map(transcriptLine).join('\n\n')}`,
        },
      ],
      tools: [],
      maxTokens: SUMMARY_MAX_TOKENS,
      thinking: 'none',
    },
    options.signal,
  );
  for await (const event of stream) {
    if (event.type === 'text_delta') summary += event.text;
    else if (event.type === 'usage') usage = event.usage;
  }
  summary = summary.trim();
  if (summary === '') return undefined;
  return {
    messages: [
      { role: 'user', content: `${COMPACTION_SUMMARY_HEADER}\n${summary}` },
      ...options.messages.slice(split),
    ],
    summary,
    usage,
  };
}
