import type { ToolErrorPayload } from './tool-error-payload.js';

/**
 * Wire events: one vocabulary for the agent loop, SSE, transcripts and headless output.
 * Names and fields are a compatibility contract with existing clients, so no
 * translation layer exists anywhere in the code base.
 */

/** Token totals and estimated cost of a run, as carried by `stream_complete`. */
export interface UsageSummary {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** US dollars, rounded to 4 decimal places. */
  estimated_cost: number;
  /**
   * Tokens and cost per model that answered, present when a fallback model answered part of the
   * run (the totals above are their sums).
   */
  by_model?: Record<string, Omit<UsageSummary, 'by_model'>>;
}

/** Assistant text chunk; also carries synthetic notices (max turns, budget). */
export interface TextDeltaEvent {
  type: 'text_delta';
  text: string;
}

/** Reasoning text chunk. */
export interface ThinkingDeltaEvent {
  type: 'thinking_delta';
  text: string;
}

/** A tool call is about to run. */
export interface ToolCallStartEvent {
  type: 'tool_call_start';
  tool_call_id: string;
  tool_name: string;
  tool_input: Record<string, unknown>;
  execution_location: string;
  call_index: number;
  /**
   * Client-side tools only (`execution_location: "client"`): the nonce the client
   * must echo on `/chat/tool-result`. Absent for backend tools, so the backend shape is unchanged.
   */
  nonce?: string;
  /** Client-side tools only: unix seconds after which the result is refused with 410. */
  expires_at?: number;
}

/** A tool call finished; `result` is the raw result, `error` the failure (one of them is null). */
export interface ToolCallCompleteEvent {
  type: 'tool_call_complete';
  tool_call_id: string;
  tool_name: string;
  result: unknown;
  error: ToolErrorPayload | null;
  /** The tool's own time, without `wait_ms`. */
  duration_ms: number;
  /** Time the call waited for a person's approval or a client's result; absent when none. */
  wait_ms?: number;
  server: string | null;
  execution_location?: string;
}

/** A tool call waits for a human decision (answered on `/chat/tool-approval`). */
export interface ToolApprovalRequestEvent {
  type: 'tool_approval_request';
  tool_call_id: string;
  nonce: string;
  /** Unix time in seconds after which the approval is refused with 410. */
  expires_at: number;
  tool_name: string;
  tool_input: Record<string, unknown>;
  resolved_qualifier: string;
  /**
   * `false` when the call would run unsandboxed (code execution on the subprocess backend,
   * as a real user of the gateway's host); absent otherwise.
   */
  sandboxed?: boolean;
}

/** Streamed output of a running tool (code execution). `seq` starts at 1 per call. */
export interface ToolOutputChunkEvent {
  type: 'tool_output_chunk';
  tool_call_id: string;
  tool_name: string;
  stream: 'stdout' | 'stderr';
  text: string;
  seq: number;
}

/** A runtime policy warned about or blocked a tool call. */
export interface InterceptorDecisionEvent {
  type: 'interceptor_decision';
  tool_call_id: string;
  tool_name: string;
  action: 'deny' | 'warn';
  code: string;
  message: string;
}

/** Keep-alive while a stream is open (unix seconds). Never written to transcripts. */
export interface HeartbeatEvent {
  type: 'heartbeat';
  timestamp: number;
}

/**
 * A user message that arrived while the run worked (`multitask: "steer"`) joined the
 * conversation at a turn boundary: the next model request carries it as the user's words.
 */
export interface SteeringMessageEvent {
  type: 'steering_message';
  /** The user message's text, as sent. */
  content: string;
}

/**
 * A model turn failed and is being retried; `attempt` is the 0-based index of the failed
 * attempt. Text streamed before this event belongs to the failed attempt and must be discarded.
 */
export interface StreamRetryEvent {
  type: 'stream_retry';
  attempt: number;
  /** A fixed sentence per `code`; the cause's details go to the gateway's log only. */
  error: string;
  /** Stable failure code (`upstream_unavailable`, `upstream_overloaded`, …; docs/protocol.md). */
  code?: string;
}

/**
 * A model turn moves to the next model of the agent's `fallback` list before anything of it was
 * streamed: `from` failed with `reason` (or its circuit is open), `to` answers the turn instead.
 * Clients that do not know the event ignore it; the text that follows is `to`'s alone.
 */
export interface ModelFallbackEvent {
  type: 'model_fallback';
  /** The model that failed or was skipped. */
  from: string;
  /** The model tried next. */
  to: string;
  /**
   * Why: `rate_limited`, `overloaded`, `server_error`, `timeout`, `connection`, or
   * `circuit_open` when `from` was skipped because it failed too often recently.
   */
  reason: string;
}

/** The provider compacted the context; `chars` is the size of the summary. */
export interface CompactionEvent {
  type: 'compaction';
  chars: number;
}

/** The turn limit stopped the run (`turn_count` = `max_turns` + 1). */
export interface MaxTurnsReachedEvent {
  type: 'max_turns_reached';
  turn_count: number;
  max_turns: number;
}

/**
 * A cost budget stopped the run: the run's own (`maxBudgetUsd`), or a gateway budget
 * (`server.budgets`) that refused its next model call, which names it in `scope` (`tenant:acme`)
 * and says when its window ends (`resets_at`, null for a `total` budget).
 */
export interface BudgetExceededEvent {
  type: 'budget_exceeded';
  total_cost: number;
  budget: number;
  scope?: string;
  resets_at?: string | null;
}

/** Terminal success. `usage` is empty for the no-credential stub reply. */
export interface StreamCompleteEvent {
  type: 'stream_complete';
  usage: UsageSummary | Record<string, never>;
}

/** Terminal failure. */
export interface ErrorEvent {
  type: 'error';
  error: string;
  /**
   * Stable failure code when the run failed (`upstream_auth_failed`, `internal_error`, …; the
   * catalogue is in docs/protocol.md); absent for cancellations, whose text says why.
   */
  code?: string;
  /**
   * Every model the failed turn tried, in order, when it tried more than one (a `fallback`
   * chain): each with the code of its failure, or `circuit_open` when it was skipped.
   */
  attempts?: { model: string; code: string }[];
}

/** An event could not be serialised for SSE; the stream ends after it. */
export interface StreamErrorEvent {
  type: 'stream_error';
  error: string;
}

/** Every event a run can emit, discriminated on `type`. */
export type GatewayEvent =
  | TextDeltaEvent
  | ThinkingDeltaEvent
  | ToolCallStartEvent
  | ToolCallCompleteEvent
  | ToolApprovalRequestEvent
  | ToolOutputChunkEvent
  | InterceptorDecisionEvent
  | HeartbeatEvent
  | SteeringMessageEvent
  | StreamRetryEvent
  | ModelFallbackEvent
  | CompactionEvent
  | MaxTurnsReachedEvent
  | BudgetExceededEvent
  | StreamCompleteEvent
  | ErrorEvent
  | StreamErrorEvent;

/** The `type` strings of all events. */
export type GatewayEventType = GatewayEvent['type'];

/** An event as stored in a run's event log: numbered from 1, strictly increasing. */
export interface LogEntry {
  seq: number;
  event: GatewayEvent;
}

/** Whether an event ends a stream (`stream_complete` or `error`). */
export function isTerminalEvent(event: GatewayEvent): boolean {
  return event.type === 'stream_complete' || event.type === 'error';
}
