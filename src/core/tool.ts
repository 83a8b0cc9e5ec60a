import type { GatewayEvent } from './events.js';
import type { ToolErrorPayload } from './tool-error-payload.js';

/** A JSON Schema object (the tool contract the model sees). */
export type JsonSchema = Record<string, unknown>;

/**
 * A tool as advertised to the model. The snake_case `input_schema` matches the
 * Anthropic wire format, so plain definitions written for either keep working.
 */
export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: JsonSchema;
  /**
   * Running the tool again with the same input has no further effect (a read, a lookup, an
   * upsert). When a run moves to another instance mid-call, only such tools are re-run; the
   * others report `interrupted` to the model. Never sent to the model.
   */
  idempotent?: boolean;
}

export type { ToolErrorPayload } from './tool-error-payload.js';

/**
 * What one tool call produced. A failure is a value the model reads, never an exception that
 * ends the run. `server` names the MCP server that answered (null for local tools).
 */
export type ToolOutcome =
  | { ok: true; result: unknown; server: string | null; warnings?: string[] }
  | { ok: false; error: ToolErrorPayload; server: string | null };

/** Where a tool runs; stamped on `tool_call_start` / `tool_call_complete`. */
export type ExecutionLocation = 'backend' | 'client';

/** Everything a local tool handler may use besides its input. */
export interface ToolContext {
  /** Id of this call, as in `tool_call_start`. */
  toolCallId: string;
  toolName: string;
  /** Index among concurrent `run_agent` calls of the turn; 0 for other tools. */
  callIndex: number;
  /** Session (or run) the call belongs to. */
  sessionId: string;
  /** Approval qualifier resolved for this call ("" when none). */
  resolvedQualifier: string;
  /** Aborted when the run is cancelled or the tool times out; handlers must stop promptly. */
  signal: AbortSignal;
  /** Appends an event (e.g. `tool_output_chunk`) to the run's stream. */
  emit(event: GatewayEvent): void;
}

/**
 * A local tool implementation. Return any JSON-serialisable value; throw a `ToolError` (or any
 * error) to report a failure to the model.
 */
export type ToolHandler = (input: Record<string, unknown>, context: ToolContext) => unknown;

/**
 * An error a tool handler throws to report a failure with a stable code
 * (`{ error: { code, message, sub_code? } }` on the wire).
 */
export class ToolError extends Error {
  readonly code: string;
  readonly subCode: string | undefined;

  constructor(code: string, message: string, options?: { subCode?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.code = code;
    this.subCode = options?.subCode;
  }

  /** The wire form of this error. */
  toPayload(): ToolErrorPayload {
    return this.subCode === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, sub_code: this.subCode };
  }
}

/**
 * A source of remote tools (the MCP client manager implements it). The dispatcher only knows
 * this interface, so core and agent never import the MCP SDK.
 */
export interface RemoteToolSource {
  /** Definitions of every tool the source currently offers. */
  getToolDefinitions(): ToolDefinition[];
  /** Whether `name` is one of the source's tools. */
  hasTool(name: string): boolean;
  /** Name of the server that owns `name`, or null. */
  getServerForTool(name: string): string | null;
  /**
   * Calls a tool; never throws for tool failures (they come back as `ok: false`). `context`
   * names the session the call belongs to, for sources that forward it (MCP servers listed in
   * `sessionInjectServers` receive it as `_session_id`).
   */
  callTool(
    name: string,
    input: Record<string, unknown>,
    signal: AbortSignal,
    context?: { sessionId: string },
  ): Promise<ToolOutcome>;
}

/** One tool call as the agent loop hands it to a `ToolExecutor`. */
export interface ToolCall {
  /** The model's tool_use id (`tool_call_id` on the wire). */
  id: string;
  name: string;
  input: Record<string, unknown>;
  /** Index among concurrent `run_agent` calls of the turn; 0 for other tools. */
  callIndex: number;
}

/** What the run lends a tool call: its session, its cancellation, and its event stream. */
export interface ToolExecutionEnvironment {
  sessionId: string;
  /** Aborted when the run is cancelled or the call times out. */
  signal: AbortSignal;
  /** Appends an event to the run's stream. */
  emit(event: GatewayEvent): void;
  /**
   * Stops the call's timeout clock while it waits for a human (an approval, a client-side
   * tool), which has its own expiry; the returned function restarts the clock. Optional.
   */
  suspendTimeout?(): () => void;
}

/**
 * How the agent loop runs tools. The loop knows only this interface, so agent never imports
 * `src/tools/`. `dispatch` resolves with a failure outcome instead of rejecting for tool
 * failures; the loop still guards against a rejecting executor.
 */
export interface ToolExecutor {
  dispatch(call: ToolCall, environment: ToolExecutionEnvironment): Promise<ToolOutcome>;
  /**
   * Where `name` runs (default 'backend'); stamped on tool events. For 'client' tools the
   * executor itself emits `tool_call_start` when it hands the call over (it must carry the
   * nonce the client echoes), so the loop does not.
   */
  executionLocation?(name: string): ExecutionLocation;
  /**
   * Whether a call of `name` may safely run again (see `ToolDefinition.idempotent`); absent or
   * false means it is never re-run after an interruption.
   */
  isIdempotent?(name: string): boolean;
}
