import type { CostAccumulator } from '../agent/budget.js';
import type { SubAgentRunnerSettings } from '../tools/sub-agents/run-sub-agent.js';
import type { Provider } from '../core/provider.js';
import type { RemoteToolSource } from '../core/tool.js';
import { buildRunTools, builtinToolNames, type ToolSetup } from '../tools/build-run-tools.js';
import { createMcpManagerFromSpec } from '../agent-spec/create-mcp-manager-from-spec.js';
import type { ToolDispatcher } from '../tools/tool-dispatcher.js';
import type { ParsedRunAutonomousOptions } from './run-autonomous-options.js';

/** The tools of one autonomous run, and what must be released when it ends. */
export interface AutonomousTools {
  dispatcher: ToolDispatcher;
  /** MCP servers that connected (recorded in the state as `connected_servers`). */
  connectedServers: string[];
  /** MCP servers whose tools the model can call (recorded as `active_servers`). */
  activeServers: string[];
  /** Releases what this step started (sub-agents, MCP connections); idempotent. */
  close(options?: { cancel?: boolean }): Promise<void>;
  /** The "[Background tasks active: …]" line after a compaction, when sub-agents run. */
  backgroundTasksReminder?: (() => string | undefined) | undefined;
}

/** What the run lends its tools. */
export interface AutonomousToolContext {
  provider: Provider;
  model: string;
  sessionId: string;
  costAccumulator: CostAccumulator;
  signal: AbortSignal;
  /** The run's loop settings its sub-agents share (timeouts, compaction). */
  subAgentRunner: SubAgentRunnerSettings;
}

/** Names of the servers behind a remote source's tools, sorted and unique. */
const serversOf = (remote: RemoteToolSource): string[] => {
  const servers = new Set<string>();
  for (const definition of remote.getToolDefinitions()) {
    const server = remote.getServerForTool(definition.name);
    if (server !== null && server !== '') servers.add(server);
  }
  return [...servers].sort();
};

/**
 * Assembles the tools of a headless run with the same builder as HTTP chats
 * (`buildRunTools`): local tools, MCP servers (from `mcp`, started for this run and closed
 * with it) or a caller's `headless.remote` source (the caller closes it), and the sub-agent
 * tools of `skills`. Nothing asks a human: calls that `needsApproval` marks
 * are refused.
 */
export async function buildAutonomousTools(
  options: ParsedRunAutonomousOptions,
  context: AutonomousToolContext,
): Promise<AutonomousTools> {
  const { skills } = options;
  const setup: ToolSetup = {
    // The schema refuses client-side tools in a headless run.
    tools: options.tools,
    interceptors: options.interceptors,
    needsApproval: options.needsApproval,
    remote: options.headless.remote,
    skillsDir: skills?.dir,
    skillsExcludedTools: skills?.excludedTools,
    outputsDir: skills?.outputsDir,
    maxConcurrentSubAgents: skills?.maxConcurrent,
    // The caller's logger, when given; otherwise each part keeps its stderr default (the MCP
    // servers' own lines included, which the quiet headless default would drop).
    logger: options.logger,
  };
  // MCP servers named in the options belong to this run: started here, closed in close().
  const mcp = createMcpManagerFromSpec(options.mcp, builtinToolNames(setup), options.logger);
  if (mcp !== undefined) {
    setup.remote = mcp;
    await mcp.start(context.signal);
  }
  try {
    const runTools = await buildRunTools(setup, {
      provider: context.provider,
      defaultModel: context.model,
      allowedModels: new Set(),
      sessionId: context.sessionId,
      signal: context.signal,
      costAccumulator: context.costAccumulator,
      onSubAgentEvent: options.hooks?.onEvent,
      subAgentRunner: context.subAgentRunner,
    });
    const active = setup.remote === undefined ? [] : serversOf(setup.remote);
    let closing: Promise<void> | undefined;
    return {
      dispatcher: runTools.dispatcher,
      backgroundTasksReminder: runTools.backgroundTasksReminder,
      connectedServers: mcp === undefined ? active : [...mcp.getServerNames()].sort(),
      activeServers: active,
      close: (closeOptions) => {
        closing ??= (async () => {
          try {
            await runTools.close({ cancel: closeOptions?.cancel === true });
          } finally {
            await mcp?.close();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await mcp?.close();
    throw error;
  }
}
