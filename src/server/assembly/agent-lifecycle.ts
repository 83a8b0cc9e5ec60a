import type { Logger } from '../../core/logger.js';
import { toolDispatcherOptionsSchema } from '../../tools/tool-dispatcher-options.js';
import type { ParsedAgentOptions } from '../contracts/create-agent-options.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { mcpToolsByServer, reportStartup } from './startup-report.js';
import type { AgentModels } from './agent-loop-of.js';
import type { AgentTools } from './agent-tools.js';
import { approvalTimeoutMsOf } from '../contracts/approval-timeout.js';

/** What an agent holds for its lifetime: started with the app, closed with it. */
export interface AgentResources
  extends
    Pick<AgentTools, 'mcp' | 'codeExecution' | 'ownToolNames'>,
    Pick<AgentModels, 'provider' | 'createdProviders' | 'model' | 'allowedModels' | 'fallback' | 'loop'> {
  logger: Logger;
  server: ParsedAgentOptions['server'];
  maxTurns: ParsedAgentOptions['maxTurns'];
  maxBudgetUsd: ParsedAgentOptions['maxBudgetUsd'];
}

/**
 * The agent's lifecycle hooks around the server's own (`server.onStartup`, `onShutdown`,
 * `onSessionExpired`): MCP servers connected and sandboxes probed on startup (sparing the first
 * chat the wait), then the startup report; code execution, MCP and providers closed on
 * shutdown; a session's MCP connections and work dir let go when it expires.
 */
export function agentLifecycleOf(
  agent: AgentResources,
): Pick<GatewayServerConfig, 'onStartup' | 'onShutdown' | 'onSessionExpired'> {
  const { logger, server, provider, model, mcp, codeExecution, loop } = agent;
  return {
    onStartup: async () => {
      const [, probe] = await Promise.all([mcp?.start(), codeExecution?.probe()]);
      reportStartup(logger, {
        provider,
        model,
        allowedModels: agent.allowedModels,
        fallback: agent.fallback,
        server,
        maxTurns: agent.maxTurns,
        maxBudgetUsd: agent.maxBudgetUsd,
        codeExecution: probe,
        mcp: mcp?.getServerStatus(),
        tools: [...agent.ownToolNames],
        ...(mcp === undefined ? {} : { mcpTools: mcpToolsByServer(mcp) }),
        timeouts: {
          sessionTtlMs: server.sessionTtlMs,
          // Without server.approvalTimeoutMs: 7 days with a database, else the dispatcher's default.
          approvalTimeoutMs: toolDispatcherOptionsSchema.shape.approvalTimeoutMs.parse(
            approvalTimeoutMsOf(
              server.approvalTimeoutMs,
              server.database !== undefined && server.database !== false,
            ),
          ),
          clientToolTimeoutMs: server.clientToolTimeoutMs,
          turnTimeoutMs: loop.settings.turnTimeoutMs,
          toolCallTimeoutMs: loop.settings.toolCallTimeoutMs,
        },
      });
      await server.onStartup?.();
    },
    onShutdown: async () => {
      try {
        await codeExecution?.close();
        await server.onShutdown?.();
      } finally {
        await Promise.allSettled([
          mcp?.close(),
          provider.close?.(),
          ...agent.createdProviders.map((created) => created.close?.()),
        ]);
      }
    },
    onSessionExpired: async (session) => {
      try {
        await Promise.allSettled([
          mcp?.closeSession(session.sessionId),
          codeExecution?.cleanupSession(session.sessionId),
        ]);
      } finally {
        await server.onSessionExpired?.(session);
      }
    },
  };
}
