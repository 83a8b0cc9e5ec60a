import type { ContentBlock, Message, ToolResultBlock } from '../core/messages.js';
import type { ToolCallCompleteEvent } from '../core/events.js';
import type { ToolErrorPayload } from '../core/tool.js';
import { isSoftError } from './tool-result-blocks.js';

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

/** Timing of one finished tool call (`onToolTiming`), for metrics. */
export interface ToolTiming {
  sessionId: string;
  toolCallId: string;
  toolName: string;
  server: string | null;
  /** The tool's own time, without any wait for an approval or a client's result. */
  durationMs: number;
  /** Whether the model sees the result as an error (failure or soft error). */
  isError: boolean;
  /**
   * UTF-8 size of the content the model reads; absent when observed from the events
   * (`createGatewayApp` hooks), which carry the raw result only.
   */
  resultBytes?: number;
}

/** A finished tool call as `onToolTiming` sees it, from the wire's `tool_call_complete`. */
export const toToolTiming = (sessionId: string, event: ToolCallCompleteEvent): ToolTiming => ({
  sessionId,
  toolCallId: event.tool_call_id,
  toolName: event.tool_name,
  server: event.server,
  durationMs: event.duration_ms,
  isError: event.error !== null || isSoftError(event.result),
});

/** Token totals of one run (`onRunUsage`), reported once, just before `stream_complete`. */
export interface RunUsage {
  sessionId: string;
  /** Model turns of the run; absent when observed from the events (`createGatewayApp` hooks). */
  turns?: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  /** US dollars, rounded to 4 decimal places. */
  estimatedCost: number;
}

/** A run's usage as a hook sees it, from the wire's usage summary. */
export const toRunUsage = (
  sessionId: string,
  summary: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens: number;
    cache_creation_input_tokens: number;
    estimated_cost: number;
  },
  turns?: number,
): RunUsage => ({
  sessionId,
  ...(turns === undefined ? {} : { turns }),
  inputTokens: summary.input_tokens,
  outputTokens: summary.output_tokens,
  cacheReadInputTokens: summary.cache_read_input_tokens,
  cacheCreationInputTokens: summary.cache_creation_input_tokens,
  estimatedCost: summary.estimated_cost,
});

/**
 * Called when the turn limit stops a run; a returned string is appended to the notice as a
 * summary of the work so far.
 */
export type OnMaxTurns = (
  messages: readonly Message[],
  turnCount: number,
) => string | void | undefined | Promise<string | void | undefined>;
