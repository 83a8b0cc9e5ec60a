import type { ContentBlock, Message, ToolResultBlock } from '../core/messages.js';
import type { ToolErrorPayload } from '../core/tool.js';

/**
 * Observer hooks of an agent run. Every hook is optional, may be async where noted, and is
 * guarded: a hook that throws is logged and ignored, never breaking the run.
 */

/** What `onToolResult` sees of one finished tool call. */
export interface ToolResultContext {
  toolName: string;
  toolInput: Record<string, unknown>;
  /** The raw result (null on failure). */
  result: unknown;
  /** The failure (null on success). */
  error: ToolErrorPayload | null;
  durationMs: number;
  toolCallId: string;
  sessionId: string;
  server: string | null;
  /** The block the model will read; the hook may mutate it (e.g. to redact content). */
  resultBlock: ToolResultBlock;
}

/**
 * Called after each tool call; may return extra blocks (an image a tool produced, a reminder)
 * that are appended after all tool_result blocks of the same user message.
 */
export type OnToolResult = (
  context: ToolResultContext,
) => ContentBlock[] | void | undefined | Promise<ContentBlock[] | void | undefined>;

/** Timing of one tool call, for metrics. */
export interface ToolTiming {
  sessionId: string;
  toolName: string;
  server: string | null;
  durationMs: number;
  /** Whether the model sees the result as an error (failure or soft error). */
  isError: boolean;
  /** UTF-8 size of the content the model reads. */
  resultBytes: number;
}

/** Token totals reported once per run, just before `stream_complete`. */
export interface UsagePayload {
  session_id: string;
  turns: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  /** US dollars, rounded to 4 decimal places. */
  estimated_cost: number;
}

/**
 * Called when the turn limit stops a run; a returned string is appended to the notice as a
 * summary of the work so far.
 */
export type OnMaxTurns = (
  messages: readonly Message[],
  turnCount: number,
) => string | void | undefined | Promise<string | void | undefined>;
