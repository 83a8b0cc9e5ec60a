import type { RemoteToolSource, ToolDefinition } from '../../core/tool.js';
import { buildMcpToolTable } from './build-mcp-tool-table.js';
import type { McpToolTable } from './build-mcp-tool-table.js';
import { createDeadlineSignal } from './create-deadline-signal.js';
import { describeThrown } from './describe-thrown.js';
import { loadMcpConfigFile } from './load-mcp-config-file.js';
import { createMcpToolCalls } from './mcp-tool-calls.js';
import { createMcpToolCatalog } from './mcp-tool-catalog.js';
import { resolveMcpClientManagerOptions } from './mcp-client-manager-options.js';
import type { McpClientManagerOptions } from './mcp-client-manager-options.js';
import { createMcpServerSupervisor } from './mcp-server-supervisor.js';
import type { McpServerStatus, McpServerSupervisor } from './mcp-server-supervisor.js';
import { resolveMcpServers } from './resolve-mcp-servers.js';

/** One entry of `getServerCatalog()` (snake_case, like the wire). */
export interface McpServerCatalogEntry {
  tool_count: number;
  tools: string[];
}

/** The app-wide MCP client: connects the configured servers and routes tool calls to them. */
export interface McpClientManager extends RemoteToolSource {
  /** Reads the config, connects every server concurrently; idempotent. Failures are logged, not thrown. */
  start(signal?: AbortSignal): Promise<void>;
  /** Closes every server in reverse configuration order; idempotent. The manager is then empty. */
  close(): Promise<void>;
  /** Names of the servers that started (including ones currently down and awaiting restart). */
  getServerNames(): string[];
  /** `{ server: { tool_count, tools } }` with the tool names as the model sees them. */
  getServerCatalog(): Record<string, McpServerCatalogEntry>;
  /** Definitions of the given servers' tools only (for deferred loading and sub-agents). */
  getServerToolDefinitions(serverNames: Iterable<string>): ToolDefinition[];
  /** State, pid, tool count and restart count of every configured server. */
  getServerStatus(): Record<string, McpServerStatus>;
  /**
   * Tells each `sessionInjectServers` server offering a `{server}_close_session` tool that a
   * session ended (the session-expiry hook). Failures are logged.
   */
  closeSession(sessionId: string, signal?: AbortSignal): Promise<void>;
}

const EMPTY_TABLE: McpToolTable = { definitions: [], routes: new Map(), namesByServer: new Map() };

/**
 * Creates the MCP client manager. Options are validated now; nothing is read or spawned until
 * `start()`. One manager serves every session of an app; a headless run starts and closes its
 * own. Calls never throw: failures come back as outcomes naming their `server`, so the model
 * reads them and the run goes on.
 */
export function createMcpClientManager(options: McpClientManagerOptions = {}): McpClientManager {
  const settings = resolveMcpClientManagerOptions(options);
  const { logger } = settings;
  const lifetime = new AbortController();
  let supervisors: McpServerSupervisor[] = [];
  // eslint-disable-next-line gateway/churn-collections -- one per configured MCP server
  const supervisorsByName = new Map<string, McpServerSupervisor>();
  let table: McpToolTable = EMPTY_TABLE;
  let starting: Promise<void> | null = null;
  let closing: Promise<void> | null = null;

  const isStarted = (supervisor: McpServerSupervisor): boolean => {
    const { state } = supervisor.status();
    return state === 'connected' || state === 'down';
  };

  function rebuildTable(): void {
    if (closing !== null) return;
    table = buildMcpToolTable({
      servers: supervisors.filter(isStarted).map((supervisor) => ({
        server: supervisor.name,
        toolPrefix: supervisor.toolPrefix,
        tools: supervisor.tools,
      })),
      builtinToolNames: settings.builtinToolNames,
      stripInputFields: settings.stripInputFields,
      logger,
    });
  }

  async function startAll(signal: AbortSignal): Promise<void> {
    const fileServers =
      settings.configPath === null ? {} : await loadMcpConfigFile(settings.configPath, logger, signal);
    const servers = resolveMcpServers({
      fileServers,
      inlineServers: settings.servers,
      allowedServers: settings.allowedServers,
      logger,
    });
    supervisors = servers.map(({ name, config }) => {
      const supervisor = createMcpServerSupervisor({
        name,
        config,
        clientInfo: settings.clientInfo,
        logger,
        startupTimeoutMs: settings.startupTimeoutMs,
        restartBackoff: settings.restartBackoff,
        onToolsChanged: rebuildTable,
      });
      supervisorsByName.set(name, supervisor);
      return supervisor;
    });
    await Promise.all(
      supervisors.map(async (supervisor) => {
        try {
          await supervisor.start(signal);
        } catch (thrown) {
          logger.warn(
            `MCP server '${supervisor.name}' skipped: it failed to start: ${describeThrown(thrown)}`,
            {
              server: supervisor.name,
            },
          );
        }
      }),
    );
    rebuildTable();
  }

  const catalog = createMcpToolCatalog(() => table);
  const calls = createMcpToolCalls({
    settings,
    lifetime: lifetime.signal,
    table: () => table,
    supervisorOf: (server) => supervisorsByName.get(server),
    closing: () => closing !== null,
  });

  return {
    start(signal) {
      if (closing !== null) return Promise.resolve();
      starting ??= (async () => {
        const linked = createDeadlineSignal([signal, lifetime.signal]);
        try {
          await startAll(linked.signal);
        } catch (thrown) {
          if (!lifetime.signal.aborted) logger.error(`MCP startup failed: ${describeThrown(thrown)}`);
        } finally {
          linked.dispose();
        }
      })();
      return starting;
    },
    close() {
      closing ??= (async () => {
        lifetime.abort();
        await starting;
        table = EMPTY_TABLE;
        for (const supervisor of [...supervisors].reverse()) {
          try {
            await supervisor.close();
          } catch (thrown) {
            logger.warn(`MCP server '${supervisor.name}' did not close cleanly: ${describeThrown(thrown)}`, {
              server: supervisor.name,
            });
          }
        }
      })();
      return closing;
    },
    ...catalog,
    callTool: calls.callTool,
    getServerNames() {
      return supervisors.filter(isStarted).map(({ name }) => name);
    },
    getServerStatus() {
      return Object.fromEntries(supervisors.map((supervisor) => [supervisor.name, supervisor.status()]));
    },
    closeSession: calls.closeSession,
  };
}
