import type { BudgetGate } from '../../core/budget-gate.js';
import { z } from 'zod';
import type { RunUsage, ToolTiming } from '../../agent/agent-hooks.js';
import { createJsonLineLogger } from '../../agent/json-line-logger.js';
import type { CircuitBreaker } from '../../core/circuit-breaker.js';
import type { GatewayEvent } from '../../core/events.js';
import type { Logger } from '../../core/logger.js';
import { callable, objectOf } from '../../agent-spec/parse-spec.js';
import type { AgentSkillInfo } from './agent-card.js';
import type { ChatRequestInfo, ChatRuntime } from './gateway-config.js';
import { serverSpecSchema } from './server-spec.js';

/** Hooks the gateway calls from the events of any runner (`createGatewayApp`). */
export const gatewayHooksSchema = z.strictObject({
  /**
   * Every event of every run, with its session id (informational; errors are logged). For a
   * sub-agent's events the second argument is its observer label (`sub<i>:<first 12 characters
   * of the parent id>`) and the third the parent's full session id: key per-session data
   * (transcripts, state) by the third, since labels of different sessions can collide.
   */
  onEvent:
    callable<
      (event: GatewayEvent, sessionId: string, parentSessionId?: string) => void | Promise<void>
    >().optional(),
  /** Token totals of each completed run. */
  onRunUsage: callable<(usage: RunUsage) => void | Promise<void>>().optional(),
  /** Timing of each finished tool call, from its `tool_call_complete` (no `resultBytes`). */
  onToolTiming: callable<(timing: ToolTiming) => void>().optional(),
});

/** Options of `createGatewayApp`: a runtime builder with the server settings around it. */
export const gatewayAppSpecSchema = z.strictObject({
  /** Builds the runtime of each chat request (required). */
  buildChatRuntime: callable<(info: ChatRequestInfo) => ChatRuntime | Promise<ChatRuntime>>(),
  /** Model used when neither the runtime nor the request names one. */
  defaultModel: z.string().min(1).optional(),
  /**
   * Whether a tool is served by an MCP server. The frontend adapters show such calls as dynamic
   * tools (`dynamic-tool` parts for `useChat`); without it, none is.
   */
  isMcpTool: callable<(toolName: string) => boolean>().optional(),
  /**
   * Whether a tool is one of the agent's own (server-side or configured client-side; MCP tools
   * count through `isMcpTool`): metrics name only these tools and MCP tools, every other name
   * (invented by the model, offered by a client for one run) is counted as `other`. Without it,
   * none is.
   */
  isAgentTool: callable<(toolName: string) => boolean>().optional(),
  server: serverSpecSchema.prefault({}),
  hooks: gatewayHooksSchema.optional(),
  /**
   * The circuit breakers of the app's models (`createAgent` passes the agent's): `/health/details` lists
   * them, the `gateway_provider_circuit_state` metric exports them, and the message bus shares
   * the circuits that open with every instance.
   */
  circuitBreaker: objectOf<CircuitBreaker>('a CircuitBreaker (createCircuitBreaker())').optional(),
  /**
   * The gateway's budgets (`server.budgets`): every model call of every run reserves its worst
   * case there first. `createAgent` makes it from the spec; without one, nothing is budgeted.
   */
  budgetGate: objectOf<BudgetGate>('a BudgetGate ({ reserve, close })').optional(),
  /** The agent's name where other agents see it (the A2A card); `createAgent` passes `tracing.agentName`. */
  agentName: z.string().trim().min(1).max(200).optional(),
  /** The agent's skills as the A2A card lists them; `createAgent` reads its skills directory. */
  agentSkills: callable<() => Promise<AgentSkillInfo[]>>().optional(),
  /**
   * How incoming trace context is used: `trustIncomingContext` says whether a request's
   * `traceparent` (and `tracestate`, `baggage`) makes its run a child of the caller's span.
   * Without it, only when every listener is on a loopback address; otherwise a run starts its
   * own trace and links to the caller's span.
   */
  tracing: z.strictObject({ trustIncomingContext: z.boolean().optional() }).optional(),
  /**
   * Receives one structured line per failed run (run id, session id, error code, the full
   * upstream detail) and per failed tool call; client aborts at debug level. JSON lines on
   * standard error from `warn` up unless given. Nothing secret is passed to it.
   */
  logger: objectOf<Logger>('a logger ({ debug, info, warn, error })').default(() => createJsonLineLogger()),
});

/** Options of `createGatewayApp`. */
export type GatewayAppOptions = z.input<typeof gatewayAppSpecSchema>;
