import type { StopReason } from '../core/messages.js';
import type { TurnUsage } from '../core/provider.js';

/**
 * One scripted model turn, shared by the in-process `ScriptedProvider` and the wire-format
 * `MockUpstream` server, so the same script drives a loop test and an SDK round trip.
 */

/** A content block the scripted model produces. */
export type ScriptedBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; text: string; signature?: string }
  | { type: 'tool_call'; id?: string; name: string; input: Record<string, unknown> }
  /** Anthropic's server-side compaction: the summary that replaces the conversation before it. */
  | { type: 'compaction'; summary: string; encryptedContent?: string };

/** A successful (possibly disrupted) streamed response. */
export interface ScriptedResponse {
  kind?: 'response';
  blocks: ScriptedBlock[];
  /** Defaults to `tool_use` when a tool call is present, else `end_turn`. */
  stopReason?: StopReason;
  /** Token counts reported for the turn (missing fields are 0). */
  usage?: Partial<TurnUsage>;
  /** Pause before each streamed event, for pacing and watchdog tests. */
  eventDelayMs?: number;
  /** Break the connection after this many streamed events (a mid-stream cut). */
  cutAfterEvents?: number;
  /** Stop sending after this many events and keep the connection open (a stall). */
  stallAfterEvents?: number;
}

/** An HTTP failure returned instead of a stream (429, 500, 529, …). */
export interface ScriptedHttpError {
  kind: 'http_error';
  status: number;
  /** Sent as the `retry-after` header, in seconds. */
  retryAfterSeconds?: number;
  message?: string;
}

/** One step of a script. */
export type ScriptedTurn = ScriptedResponse | ScriptedHttpError;

/** A turn that answers with text. */
export function textTurn(text: string, options: Omit<ScriptedResponse, 'blocks'> = {}): ScriptedResponse {
  return { ...options, blocks: [{ type: 'text', text }] };
}

/** A turn that calls one tool (optionally after some text). */
export function toolCallTurn(
  name: string,
  input: Record<string, unknown>,
  options: { id?: string; text?: string } & Omit<ScriptedResponse, 'blocks'> = {},
): ScriptedResponse {
  const { id, text, ...rest } = options;
  const blocks: ScriptedBlock[] = text === undefined ? [] : [{ type: 'text', text }];
  blocks.push(id === undefined ? { type: 'tool_call', name, input } : { type: 'tool_call', id, name, input });
  return { ...rest, blocks };
}

/**
 * A turn in which the provider compacted the context and paused (stop reason `compaction`):
 * the gateway keeps the block, announces `compaction {chars}` and asks for the next turn.
 */
export function compactionTurn(
  summary: string,
  options: Omit<ScriptedResponse, 'blocks'> = {},
): ScriptedResponse {
  return { stopReason: 'compaction', ...options, blocks: [{ type: 'compaction', summary }] };
}

/** An HTTP error turn. */
export function httpErrorTurn(
  status: number,
  options: Omit<ScriptedHttpError, 'kind' | 'status'> = {},
): ScriptedHttpError {
  return { ...options, kind: 'http_error', status };
}

/** The stop reason a response turn reports. */
export function resolveStopReason(turn: ScriptedResponse): StopReason {
  if (turn.stopReason !== undefined) return turn.stopReason;
  return turn.blocks.some((block) => block.type === 'tool_call') ? 'tool_use' : 'end_turn';
}

/** Splits text into small chunks (words with their trailing space) as a model would stream it. */
export function chunkText(text: string): string[] {
  const chunks = text.match(/\S+\s*|\s+/g);
  return chunks ?? [];
}
