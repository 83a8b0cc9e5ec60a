import type { z } from 'zod';
import type { RunOptions } from '../../agent/agent-loop-input.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import type { SystemPrompt } from '../../core/messages.js';
import type { RequestApproval, RunApprovedOnce } from '../../core/approval.js';
import type { CheckpointSink } from '../../core/run-takeover.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ToolDefinition, ToolCall, ToolOutcome } from '../../core/tool.js';
import type { EventLog } from '../../agent/event-log.js';
import type { ChatBody } from './request-schemas.js';
import type { gatewayAppSpecSchema, gatewayHooksSchema } from './gateway-app-spec.js';
import type { serverSpecSchema } from './server-spec.js';

/** What a runtime builder learns about the chat request it serves. */
export interface ChatRequestInfo {
  session: SessionRecord;
  /** The validated request body. */
  request: ChatBody;
  /** `context.channel`, lower-cased and trimmed, when it is a string. */
  channel: string | undefined;
}

/**
 * Per-run services the server lends to the runner it asks the runtime to build: the event log
 * the stream reads, the run's cancellation, and the human-in-the-loop transports.
 */
export interface RequestContext {
  session: SessionRecord;
  eventLog: EventLog;
  /** Aborted when the client disconnects or the app closes. */
  signal: AbortSignal;
  /** Asks the client for approval (`tool_approval_request` → `/chat/tool-approval`). */
  requestApproval: RequestApproval;
  /**
   * Asks a client-side tool call for its result: emits `tool_call_start` (execution_location "client", with
   * nonce and expires_at) and resolves when `/chat/tool-result` answers or the wait times out.
   */
  requestClientToolResult: (call: ToolCall, signal: AbortSignal) => Promise<ToolOutcome>;
  /** "Always allow" keys of the session, shared with the dispatcher for this run. */
  approvedToolTypes: Set<string>;
  /**
   * Runs each call a person approved at most once, whichever path holds the approval (the live
   * run, its resumption): present when answers are kept in a database. Hand it to the dispatcher.
   */
  runApprovedOnce?: RunApprovedOnce;
  /**
   * Present when runs can be taken over by another instance (Redis stores): hand it to the
   * run (`runAgent`'s `onCheckpoint`) so a takeover continues from the last completed
   * step instead of from the request.
   */
  onCheckpoint?: CheckpointSink;
  /**
   * Client-side tools the request offers for this run only (AG-UI frontend tools), answered
   * through `requestClientToolResult` like the agent's own client-side tools.
   */
  clientTools?: readonly ToolDefinition[];
}

/** Anything that can run one chat, e.g. `{ run: (input) => runAgent({ ...settings, ...input }) }`. */
export interface ChatRunner {
  /** One run over the chat's history; `resume` continues a run taken over from another instance. */
  run(input: RunOptions): Promise<unknown>;
}

/** How one chat request is served; built per request by `buildChatRuntime`. */
export interface ChatRuntime {
  systemPrompt: SystemPrompt;
  /** The model of this chat (checked against `allowedModels`); default: the request's. */
  model?: string;
  maxTurns?: number;
  /**
   * The chat's model calls as a budget prices them: the provider's name and the output cap of
   * each call. With it, a run under `server.budgets` has its first call admitted before its
   * response starts (a refusal is an HTTP status, not a stream); without it, at its first turn.
   */
  modelCalls?: { provider: string; maxTokens: number };
  /** Creates the runner for this request. */
  createRunner(context: RequestContext): ChatRunner | Promise<ChatRunner>;
}

/** The `server` group as its schema outputs it: every default applied, durations in ms. */
export type ServerSettings = z.output<typeof serverSpecSchema>;

/**
 * `createGatewayApp`'s checked options with the `server` group and the hooks flattened into it
 * (`createAgent` builds the same from its spec), `database` as `server.database` gives it. Not
 * public: users write `GatewayAppOptions` / `CreateAgentOptions`.
 */
export type CheckedGatewayConfig = Omit<z.output<typeof gatewayAppSpecSchema>, 'server' | 'hooks'> &
  ServerSettings &
  z.output<typeof gatewayHooksSchema>;

/**
 * The server's internal configuration: the checked options (`CheckedGatewayConfig`) with the
 * app's database in place of the `server.database` setting.
 */
export type GatewayServerConfig = Omit<CheckedGatewayConfig, 'database'> & {
  /** The app's database (the holder of `server.database`), set by the app itself. */
  database?: GatewayDatabase;
};
