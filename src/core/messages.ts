/**
 * Canonical message history. The gateway stores every conversation as Anthropic-style content
 * blocks, whatever the provider; each provider adapter converts to and from its own wire format.
 * Field names follow the Anthropic wire format (snake_case) on purpose: the history is data that
 * crosses the wire, transcripts and stores unchanged.
 */

/** Prompt-cache marker on a block (Anthropic `cache_control`). */
export interface CacheControl {
  type: 'ephemeral';
}

/** Plain assistant or user text. */
export interface TextBlock {
  type: 'text';
  text: string;
  cache_control?: CacheControl;
}

/** Model reasoning. `signature` lets Anthropic verify the block when it is sent back. */
export interface ThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}

/** Reasoning the provider chose to redact; only the opaque payload is kept. */
export interface RedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

/**
 * A summary of the conversation before it, written by the provider when the context passed
 * the compaction trigger. Kept in the history in order and sent back verbatim (Anthropic
 * checks `encrypted_content` and `signature`); `content` is null when the compaction failed.
 */
export interface CompactionBlock {
  type: 'compaction';
  content: string | null;
  encrypted_content?: string | null;
  signature?: string | null;
}

/** A tool call requested by the model. `input` is the fully parsed JSON object. */
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** An inline image (base64). */
export interface ImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string };
}

/** The result of one tool call, sent back to the model in a user message. */
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | Array<TextBlock | ImageBlock>;
  is_error?: boolean;
}

/** Any block of the canonical history. */
export type ContentBlock =
  | TextBlock
  | ThinkingBlock
  | RedactedThinkingBlock
  | CompactionBlock
  | ToolUseBlock
  | ImageBlock
  | ToolResultBlock;

/** Why the model stopped a turn (Anthropic vocabulary; other providers are mapped onto it). */
export type StopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'tool_use'
  | 'stop_sequence'
  | 'pause_turn'
  | 'refusal'
  | 'compaction'
  | 'error';

/** A user turn: plain text or blocks (tool results are user blocks). */
export interface UserMessage {
  role: 'user';
  content: string | ContentBlock[];
}

/**
 * An assistant turn. `provider` and `model` record who produced it, so thinking blocks are only
 * replayed to the model that wrote them; `stop_reason` lets normalisation drop failed turns.
 */
export interface AssistantMessage {
  role: 'assistant';
  content: string | ContentBlock[];
  provider?: string;
  model?: string;
  stop_reason?: StopReason;
  /**
   * The turn was stopped while it streamed (the run was cancelled or interrupted): the content
   * is the text the client saw before the stop. Kept so that the next model request sees what
   * was said; never sent to a provider as a field.
   */
  interrupted?: true;
}

/** One entry of the canonical history. */
export type Message = UserMessage | AssistantMessage;

/**
 * A system prompt: one string (cached as a whole), or a list of `[text, shouldCache]` parts so
 * that a stable prefix can be cached while a changing suffix is not.
 */
export type SystemPrompt = string | ReadonlyArray<readonly [text: string, shouldCache: boolean]>;

/** Returns the blocks of a message, turning plain string content into one text block. */
export function toContentBlocks(content: string | ContentBlock[]): ContentBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}
