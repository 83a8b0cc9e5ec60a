import type { RunBudget } from '../agent/model-call-meter.js';
import type { CostAccumulator } from '../agent/budget.js';
import type { ApprovalTraitsOf, NeedsApproval, RequestApproval, RunApprovedOnce } from '../core/approval.js';
import type { GatewayEvent } from '../core/events.js';
import type { ToolInterceptor } from '../core/interceptor.js';
import type { Logger } from '../core/logger.js';
import type { Provider } from '../core/provider.js';
import type { RemoteToolSource } from '../core/tool.js';
import type { ApprovalKeyQualifier } from './approval-gate.js';
import type { RequestClientToolResult } from './client-tool-resolver.js';
import { isClientTool, type ClientTool, type DefinedTool } from './define-tool.js';
import { createSubAgentToolkit } from './sub-agents/create-sub-agent-toolkit.js';
import type { SubAgentRunnerSettings } from './sub-agents/run-sub-agent.js';
import { RUN_AGENT_TOOL } from './sub-agents/sub-agent-tool-definitions.js';
import { createRunToolDispatcher, createToolDispatcher, type ToolDispatcher } from './tool-dispatcher.js';
import {
  resolveToolDispatcherOptions,
  type ResolvedToolDispatcherOptions,
  type ToolDispatcherOptions,
} from './tool-dispatcher-options.js';

/** The tools a deployment declares once; shared by every run. */
export interface ToolSetup {
  /** The tools made with `tool()`: run here, or by the client (`execute: 'client'`). */
  tools?: readonly (DefinedTool | ClientTool)[] | undefined;
  interceptors?: readonly ToolInterceptor[] | undefined;
  needsApproval?: NeedsApproval | undefined;
  /** Narrows "always allow" keys (`code_execute:<backend>`). */
  approvalKeyQualifier?: ApprovalKeyQualifier | undefined;
  /** Whether a call runs sandboxed and may be "always allowed" (code execution's backend). */
  approvalTraits?: ApprovalTraitsOf | undefined;
  approvalTimeoutMs?: number | undefined;
  /** The setting `approvalTimeoutMs` came from (`server.approvalTimeoutMs`), for its timeout message. */
  approvalTimeoutSetting?: string | undefined;
  /** Remote tools (the app's MCP client manager). */
  remote?: RemoteToolSource | undefined;
  /** Enables `run_agent` / `get_background_result` with the skills of this directory. */
  skillsDir?: string | undefined;
  /** Tools sub-agents may not use. */
  skillsExcludedTools?: readonly string[] | undefined;
  /** Named-skill output directory (a stale same-day file is removed before a background run). */
  outputsDir?: string | undefined;
  /** Limit of concurrent sub-agents (also the background limit; default 3 in background). */
  maxConcurrentSubAgents?: number | undefined;
  /** Where the dispatcher and sub-agents report what they recovered from (the agent's logger). */
  logger?: Logger | undefined;
}

/** What one run adds: its session, cancellation, human transports and budget. */
export interface RunToolContext {
  provider: Provider;
  /** The deployment's model: the default of sub-agents (a per-request model does not change it). */
  defaultModel: string;
  /** Models `run_agent` may pick; empty allows any. */
  allowedModels: ReadonlySet<string>;
  sessionId: string;
  signal: AbortSignal;
  /** The budget shared by the run and its sub-agents. */
  costAccumulator: CostAccumulator;
  /** The gateway budgets of the run, which its sub-agents' model calls spend under too. */
  gatewayBudget?: (() => RunBudget | undefined) | undefined;
  requestApproval?: RequestApproval | undefined;
  approvedToolTypes?: Set<string> | undefined;
  requestClientResult?: RequestClientToolResult | undefined;
  /** Runs each call a person approved at most once (see `RunDispatcherTransports`). */
  runApprovedOnce?: RunApprovedOnce | undefined;
  /** Receives sub-agent events (they never enter the parent's stream). */
  onSubAgentEvent?: ((event: GatewayEvent, subSessionId: string) => void | Promise<void>) | undefined;
  /** Runner settings handed to sub-agents. */
  subAgentRunner?: SubAgentRunnerSettings | undefined;
}

/** The tools of one run and what to release when it ends. */
export interface RunTools {
  dispatcher: ToolDispatcher;
  /** Ends the run's sub-agents: background ones get 30 s unless `cancel`; idempotent. */
  close(options: { cancel: boolean }): Promise<void>;
  /** The "[Background tasks active: …]" line after a compaction, when sub-agents run. */
  backgroundTasksReminder?: () => string | undefined;
}

const hasUserRunAgent = (setup: ToolSetup): boolean =>
  (setup.tools ?? []).some((defined) => !isClientTool(defined) && defined.definition.name === RUN_AGENT_TOOL);

/** Names of the gateway's own tools in a setup (they win name clashes with MCP tools). */
export function builtinToolNames(setup: ToolSetup, extra: Iterable<string> = []): Set<string> {
  const names = new Set<string>([...(setup.tools ?? []).map((defined) => defined.definition.name), ...extra]);
  if (setup.skillsDir !== undefined) names.add(RUN_AGENT_TOOL).add('get_background_result');
  return names;
}

/** Dispatcher options of the declared tools, without any per-run transport. */
export function toDispatcherOptions(setup: ToolSetup): ToolDispatcherOptions {
  return {
    ...(setup.tools === undefined ? {} : { tools: setup.tools }),
    ...(setup.interceptors === undefined ? {} : { interceptors: setup.interceptors }),
    ...(setup.needsApproval === undefined ? {} : { needsApproval: setup.needsApproval }),
    ...(setup.approvalKeyQualifier === undefined ? {} : { approvalKeyQualifier: setup.approvalKeyQualifier }),
    ...(setup.approvalTraits === undefined ? {} : { approvalTraits: setup.approvalTraits }),
    ...(setup.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: setup.approvalTimeoutMs }),
    ...(setup.approvalTimeoutSetting === undefined
      ? {}
      : { approvalTimeoutSetting: setup.approvalTimeoutSetting }),
    ...(setup.remote === undefined ? {} : { remote: setup.remote }),
    ...(setup.logger === undefined ? {} : { logger: setup.logger }),
  };
}

/** Validated dispatcher options of each tool setup (a setup is built once per agent). */
const resolvedBases = new WeakMap<ToolSetup, ResolvedToolDispatcherOptions>();

function resolvedBaseOf(setup: ToolSetup): ResolvedToolDispatcherOptions {
  let resolved = resolvedBases.get(setup);
  if (resolved === undefined) {
    resolved = resolveToolDispatcherOptions(toDispatcherOptions(setup));
    resolvedBases.set(setup, resolved);
  }
  return resolved;
}

/**
 * The tools of one run when the setup has no sub-agent tools to start (no `skillsDir`, or a
 * user-supplied `run_agent`), built at once; `undefined` when it has (`buildRunTools` then
 * builds them). The common path of a chat: no promise and no turn of the microtask queue.
 */
export function buildLocalRunTools(setup: ToolSetup, context: RunToolContext): RunTools | undefined {
  return setup.skillsDir !== undefined && !hasUserRunAgent(setup) ? undefined : localRunTools(setup, context);
}

/** The run's dispatcher over the setup's own tools, without sub-agent tools. */
function localRunTools(setup: ToolSetup, context: RunToolContext): RunTools {
  // The agent's tools are validated once per setup; each run adds only its own callbacks (read
  // from the context itself: no copy per chat).
  const dispatcher = createRunToolDispatcher(resolvedBaseOf(setup), context);
  return { dispatcher, close: closeNothing };
}

const closeNothing = (): Promise<void> => Promise.resolve();

/** Whether closing `tools` has nothing to do (no sub-agents): a runner need not wait for it. */
export const closesNothing = (tools: RunTools): boolean => tools.close === closeNothing;

/**
 * Assembles the tools of one run — local, client-side, remote and (with `skillsDir`) the
 * sub-agent tools — the same way for HTTP chats and headless runs.
 *
 * Sub-agents get the parent's local and remote tools minus the sub-agent tools and
 * `skillsExcludedTools`, no client-side tools, and no human to ask: the deployment's
 * interceptors still apply and a call that needs approval is refused (`approval_required`)
 * rather than run unapproved. A user-supplied `run_agent` handler replaces the built-ins; a
 * user-supplied `run_agent` definition is kept and not duplicated.
 */
export async function buildRunTools(setup: ToolSetup, context: RunToolContext): Promise<RunTools> {
  const { skillsDir } = setup;
  if (skillsDir === undefined || hasUserRunAgent(setup)) return localRunTools(setup, context);

  const base = toDispatcherOptions(setup);
  const perRun: ToolDispatcherOptions = {
    ...base,
    ...(context.requestApproval === undefined ? {} : { requestApproval: context.requestApproval }),
    ...(context.approvedToolTypes === undefined ? {} : { approvedToolTypes: context.approvedToolTypes }),
    ...(context.requestClientResult === undefined
      ? {}
      : { requestClientResult: context.requestClientResult }),
  };
  // Sub-agents have no client to hand a call to: the client-side tools are left out.
  const subAgentBase: ToolDispatcherOptions = {
    ...base,
    tools: (setup.tools ?? []).filter((defined) => !isClientTool(defined)),
  };
  const toolkit = await createSubAgentToolkit({
    provider: context.provider,
    defaultModel: context.defaultModel,
    allowedModels: context.allowedModels,
    skillsDir,
    ...(setup.skillsExcludedTools === undefined ? {} : { excludedTools: setup.skillsExcludedTools }),
    ...(setup.outputsDir === undefined ? {} : { outputsDir: setup.outputsDir }),
    ...(setup.maxConcurrentSubAgents === undefined
      ? {}
      : { maxConcurrentBackground: setup.maxConcurrentSubAgents }),
    costAccumulator: context.costAccumulator,
    ...(context.gatewayBudget === undefined ? {} : { gatewayBudget: context.gatewayBudget }),
    ...(setup.logger === undefined ? {} : { logger: setup.logger }),
    parentSessionId: context.sessionId,
    signal: context.signal,
    ...(context.onSubAgentEvent === undefined ? {} : { onSubAgentEvent: context.onSubAgentEvent }),
    ...context.subAgentRunner,
    buildSubAgentTools: () => {
      const executor = createToolDispatcher(subAgentBase);
      return { executor, definitions: executor.getToolDefinitions() };
    },
  });
  const declared = new Set((setup.tools ?? []).map((defined) => defined.definition.name));
  const toolkitHandlers = new Map(Object.entries(toolkit.handlers));
  const dispatcher = createRunToolDispatcher(
    resolveToolDispatcherOptions({
      ...perRun,
      tools: [
        // A declared tool of a sub-agent tool's name keeps its definition and runs the built-in.
        ...(setup.tools ?? []).map((defined) => {
          const handler = toolkitHandlers.get(defined.definition.name);
          return handler === undefined ? defined : { definition: defined.definition, handler };
        }),
        ...toolkit.tools.filter((defined) => !declared.has(defined.definition.name)),
      ],
    }),
    context,
  );
  return {
    dispatcher,
    close: (options) => toolkit.close(options),
    backgroundTasksReminder: () => toolkit.backgroundTasksReminder(),
  };
}
