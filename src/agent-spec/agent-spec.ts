import { existsSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { OnMaxTurns, OnToolResult, RunUsage, ToolTiming } from '../agent/agent-hooks.js';
import { circuitBreakerSettingsSchema } from '../agent/create-circuit-breaker.js';
import { FALLBACK_REASONS } from '../agent/fallback-reason.js';
import type { Logger } from '../core/logger.js';
import type { NeedsApproval } from '../core/approval.js';
import type { GatewayEvent } from '../core/events.js';
import type { ToolInterceptor } from '../core/interceptor.js';
import type { SystemPrompt } from '../core/messages.js';
import type { Provider } from '../core/provider.js';
import type { ProviderConfig } from '../providers/resolve-provider.js';
import type { CodeExecutionConfig } from '../tools/code-execution/code-execution-config.js';
import type { ClientTool, DefinedTool } from '../tools/define-tool.js';
import type { McpServerConfig } from '../tools/mcp/mcp-server-config.js';
import { callable, objectOf, positiveInteger, positiveNumber } from './parse-spec.js';

const isDirectory = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** A system prompt: a string, or `[text, shouldCache]` parts (cache breakpoints after parts). */
export const systemPromptSchema = z.union([z.string(), z.array(z.tuple([z.string(), z.boolean()]))], {
  error: 'must be a string or an array of [text, shouldCache] pairs',
}) as unknown as z.ZodType<SystemPrompt, SystemPrompt>;

const isTool = (value: unknown): value is DefinedTool | ClientTool =>
  typeof value === 'object' &&
  value !== null &&
  'definition' in value &&
  ('handler' in value || 'runsOn' in value);

/** MCP servers whose tools the agent may call (see docs/mcp.md). */
export const mcpSpecSchema = z.strictObject({
  /** Servers by name: stdio, `{ type: 'http' }` or `{ type: 'sse' }`; win over the file's. */
  servers: z.record(z.string(), objectOf<McpServerConfig>('a server configuration object')).optional(),
  /** A Claude-style JSON file with a top-level `mcpServers` (`~` expanded). */
  configPath: z.string().min(1).optional(),
  /** Only these servers are connected. */
  allowedServers: z.array(z.string()).optional(),
  /** Default time one MCP tool call may take, in ms (default 30 000). */
  toolTimeoutMs: positiveNumber().optional(),
  /** Per-server tool-call time limits in ms, by server name. */
  serverToolTimeoutsMs: z.record(z.string(), positiveNumber()).optional(),
  /** Servers that receive `_session_id` in every tool input. */
  sessionInjectServers: z.array(z.string()).optional(),
  /** Property names removed from every advertised MCP input schema. */
  stripInputFields: z.array(z.string()).optional(),
  /** How long each server has to start and list its tools, in ms (default 15 000). */
  startupTimeoutMs: positiveNumber().optional(),
  /** Pause between restarts of a crashed stdio server: doubles from `initialMs` (1 000) to `maxMs` (30 000). */
  restartBackoff: z
    .strictObject({ initialMs: positiveNumber().optional(), maxMs: positiveNumber().optional() })
    .optional(),
});

/** Skills (markdown files) the agent runs as sub-agents through `run_agent`. */
export const skillsSpecSchema = z.strictObject({
  /** Directory of skill files (`<name>.md`); enables `run_agent` and `get_background_result`. */
  dir: z.string().refine(isDirectory, { message: 'is not a directory' }),
  /** Tools sub-agents may not use. */
  excludedTools: z.array(z.string()).optional(),
  /** Where named skills write dated output. */
  outputsDir: z.string().min(1).optional(),
  /** Sub-agents running at once (default: no limit; background sub-agents default to 3). */
  maxConcurrent: positiveInteger().optional(),
});

/**
 * Context compaction: above `trigger` input tokens the conversation so far is summarised and
 * the summary replaces what came before, announced with the `compaction {chars}` event. The
 * agent loop's `compaction` setting has the same fields.
 */
export const compactionSpecSchema = z.strictObject(
  {
    /** Input tokens above which the conversation is compacted (required). */
    trigger: positiveInteger(),
    /**
     * Who compacts: `server` (the provider: Anthropic's compaction blocks) or `client` (the
     * gateway asks the model for a summary and replaces the older turns with it; any provider).
     * Default: `server` where the provider has it, else `client`.
     */
    mode: z.enum(['server', 'client']).optional(),
    /** What the summary must keep (the provider's own prompt otherwise). */
    instructions: z.string().min(1).optional(),
    /** The model that writes client-side summaries (default: the run's; `client` mode only). */
    model: z.string().min(1).optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? "must be an object { trigger, mode, instructions, model } (compaction: 'client' is now " +
          "compaction: { trigger, mode: 'client' })"
        : undefined,
  },
);

/**
 * One model tried after the agent's own when a model turn fails before its first streamed byte
 * (see docs/fallback.md): on `provider` (default: the agent's; a name uses that provider's
 * credentials from the environment), for the failures listed in `when`.
 */
export const fallbackSpecSchema = z.strictObject({
  /** `'anthropic'`, `'openai'` or a `Provider` instance (default: the agent's provider). */
  provider: z
    .union([z.string().min(1), objectOf<Provider>('a provider name or a Provider')], {
      error: "must be 'anthropic', 'openai' or a Provider instance",
    })
    .optional(),
  /** The model (required). */
  model: z.string().min(1),
  /**
   * Which failures of an earlier model this one takes over (default: all of
   * `rate_limited`, `overloaded`, `server_error`, `timeout`, `connection`).
   */
  when: z.array(z.enum(FALLBACK_REASONS)).min(1).optional(),
});

/** Hooks of every run of the agent; each is guarded (a throwing hook is logged, never fatal). */
export const agentHooksSchema = z.strictObject({
  /** Every event of every run (sub-agents' too: then with the parent's session id third). */
  onEvent:
    callable<
      (event: GatewayEvent, sessionId: string, parentSessionId?: string) => void | Promise<void>
    >().optional(),
  /** Token totals of each run, once, before `stream_complete`. */
  onRunUsage: callable<(usage: RunUsage) => void | Promise<void>>().optional(),
  /** Sees each tool result; may return extra content blocks for the model. */
  onToolResult: callable<OnToolResult>().optional(),
  /** Timing of each tool call. */
  onToolTiming: callable<(timing: ToolTiming) => void>().optional(),
  /** Summarises the work so far when the turn limit stops a run. */
  onMaxTurns: callable<OnMaxTurns>().optional(),
});

/**
 * The shape of an agent: everything `createAgent` and `runAutonomous` share. Durations are in
 * milliseconds (`...Ms`). Unknown keys are refused with the closest known name.
 */
export const agentSpecShape = {
  /** The system prompt (required). */
  systemPrompt: systemPromptSchema,
  /** `'anthropic'` (default), `'openai'` (any case), or a `Provider` instance. */
  provider: z
    .union([z.string().min(1), objectOf<Provider>('a provider name or a Provider')], {
      error: "must be 'anthropic', 'openai' or a Provider instance",
    })
    .optional() as z.ZodOptional<z.ZodType<'anthropic' | 'openai' | (string & {}) | Provider>>,
  /** The model (default claude-sonnet-4-6 on Anthropic, gpt-4o on OpenAI; required with a Provider). */
  model: z.string().min(1).optional(),
  /** Merged into the provider factory's options last (`baseURL`, `compat`, headers...). */
  providerConfig: objectOf<ProviderConfig>('an object').optional(),
  /** API key; unset falls back to `ANTHROPIC_API_KEY` / `OPENAI_API_KEY`, then to the stub reply. */
  apiKey: z.string().optional(),
  /** Anthropic OAuth token; falls back to `ANTHROPIC_AUTH_TOKEN`. */
  authToken: z.string().optional(),
  /**
   * Models tried in order when a model turn fails before its first streamed byte reached the
   * client (rate limit, overload, server error, timeout, connection); never after it, never on
   * a refused request. Sub-agents, headless runs and summaries of compaction use them too.
   */
  fallback: z.array(fallbackSpecSchema).optional(),
  /**
   * Skips a model for `coolDownMs` (30 000) after `failureThreshold` (5) failures in a row within
   * `windowMs` (60 000); shared by every instance on Redis, shown by `/health` and metrics.
   */
  circuitBreaker: circuitBreakerSettingsSchema.partial().optional(),
  /** Output tokens per model turn (default 16 000). */
  maxTokens: positiveInteger().optional(),
  /** Ask models that support it to think (default true). */
  thinking: z.boolean().optional(),
  /** The agent's tools, each made with `tool()` (`execute: 'client'` for client-side tools). */
  tools: z
    .array(z.custom<DefinedTool | ClientTool>(isTool, { message: 'must be made with tool()' }))
    .optional(),
  /** Runtime policies run before every tool call. */
  interceptors: z.array(objectOf<ToolInterceptor>('an interceptor object')).optional(),
  /** Which calls need human approval (default: none). */
  needsApproval: callable<NeedsApproval>().optional(),
  /** MCP servers. */
  mcp: mcpSpecSchema.optional(),
  /** Skills run as sub-agents. */
  skills: skillsSpecSchema.optional(),
  /** `code_execute` and `code_execute_status` (see docs/code-execution.md); `true` for defaults. */
  codeExecution: z
    .union([z.boolean(), objectOf<CodeExecutionConfig>('true, false or a configuration')])
    .optional(),
  /** Context compaction (default: never); see `compactionSpecSchema`. */
  compaction: compactionSpecSchema.optional(),
  /** Model turns one run may take (default: unlimited for chats, 40 headless). */
  maxTurns: positiveInteger().optional(),
  /** Estimated-cost budget of one run, in US dollars. */
  maxBudgetUsd: positiveNumber().optional(),
  /** Time one model turn may take, in ms (default 300 000). */
  turnTimeoutMs: positiveNumber().optional(),
  /** Time one tool call may take, in ms (default 120 000). */
  toolCallTimeoutMs: positiveNumber().optional(),
  /** Run hooks. */
  hooks: agentHooksSchema.optional(),
  /**
   * OpenTelemetry traces after the GenAI conventions, a no-op until the host registers an SDK
   * (docs/observability.md): `agentName` names the agent's spans (default `agent`);
   * `captureContent: true` records messages and tool arguments and results on them;
   * `trustIncomingContext` (served agents) makes a request's `traceparent` the parent of its run
   * and its sampled flag decide recording (default: true when listening on loopback only, false
   * otherwise: the run starts its own trace, linked to the caller's span).
   */
  tracing: z
    .strictObject({
      agentName: z.string().min(1).optional(),
      captureContent: z.boolean().optional(),
      trustIncomingContext: z.boolean().optional(),
    })
    .optional(),
  /** Structured log lines (default: JSON lines on stderr from `warn` up). */
  logger: objectOf<Logger>('a logger ({ debug, info, warn, error })').optional(),
};

/** The agent part of a spec, as its own schema. */
export const agentSpecSchema = z.strictObject(agentSpecShape);

/** The agent part of `createAgent`'s and `runAutonomous`'s options. */
export type AgentSpec = z.input<typeof agentSpecSchema>;
/** `AgentSpec.mcp`. */
export type McpSpec = z.input<typeof mcpSpecSchema>;
/** `AgentSpec.skills`. */
export type SkillsSpec = z.input<typeof skillsSpecSchema>;
/** `AgentSpec.hooks`. */
export type AgentHooks = z.input<typeof agentHooksSchema>;
/** One entry of `AgentSpec.fallback`. */
export type FallbackSpec = z.input<typeof fallbackSpecSchema>;
/** `AgentSpec.compaction`. */
export type CompactionSpec = z.input<typeof compactionSpecSchema>;
/** An agent spec after checking: what `createAgent` and `runAutonomous` work with. */
export type ParsedAgentSpec = z.output<typeof agentSpecSchema>;
