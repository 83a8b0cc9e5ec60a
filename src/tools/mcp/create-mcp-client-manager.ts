import type { RemoteToolSource, ToolDefinition, ToolOutcome } from '../../core/tool.js';
import { cancelledFailure } from '../tool-failure.js';
import { buildMcpToolTable } from './build-mcp-tool-table.js';
import type { McpToolTable } from './build-mcp-tool-table.js';
import { convertMcpToolResult } from './convert-mcp-tool-result.js';
import { createDeadlineSignal } from './create-deadline-signal.js';
import { loadMcpConfigFile } from './load-mcp-config-file.js';
import { mapMcpCallError } from './map-mcp-call-error.js';
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
          logger.warn(`MCP server '${supervisor.name}' skipped: it failed to start: ${describe(thrown)}`, {
            server: supervisor.name,
          });
        }
      }),
    );
    rebuildTable();
  }

  async function callTool(
    name: string,
    input: Record<string, unknown>,
    signal: AbortSignal,
    context?: { sessionId: string },
  ): Promise<ToolOutcome> {
    const route = table.routes.get(name);
    if (route === undefined) {
      return { ok: false, error: { code: 'unknown_tool', message: `Unknown tool: ${name}` }, server: null };
    }
    const { server, toolName } = route;
    const supervisor = supervisorsByName.get(server);
    if (supervisor === undefined || closing !== null) {
      return {
        ok: false,
        error: { code: 'mcp_tool_error', message: `MCP server unavailable: ${server}` },
        server,
      };
    }
    if (signal.aborted) return cancelledFailure(server);
    const args =
      context !== undefined && settings.sessionInjectServers.has(server)
        ? { ...input, _session_id: context.sessionId }
        : input;
    const timeoutMs = settings.serverToolTimeoutsMs.get(server) ?? settings.toolTimeoutMs;
    // A per-call child signal: the SDK never removes its abort listener, and the caller's
    // signal may outlive many calls.
    const call = createDeadlineSignal([signal]);
    try {
      const converted = convertMcpToolResult(
        await supervisor.callTool(toolName, args, call.signal, timeoutMs),
        toolName,
      );
      return converted.ok
        ? { ok: true, result: converted.result, server }
        : { ok: false, error: converted.error, server };
    } catch (thrown) {
      if (signal.aborted) return cancelledFailure(server);
      return { ok: false, error: mapMcpCallError(thrown, { server, toolName, timeoutMs }), server };
    } finally {
      call.dispose();
    }
  }

  return {
    start(signal) {
      if (closing !== null) return Promise.resolve();
      starting ??= (async () => {
        const linked = createDeadlineSignal([signal, lifetime.signal]);
        try {
          await startAll(linked.signal);
        } catch (thrown) {
          if (!lifetime.signal.aborted) logger.error(`MCP startup failed: ${describe(thrown)}`);
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
            logger.warn(`MCP server '${supervisor.name}' did not close cleanly: ${describe(thrown)}`, {
              server: supervisor.name,
            });
          }
        }
      })();
      return closing;
    },
    getToolDefinitions() {
      return table.definitions.map((definition) => structuredClone(definition));
    },
    hasTool(name) {
      return table.routes.has(name);
    },
    getServerForTool(name) {
      return table.routes.get(name)?.server ?? null;
    },
    callTool,
    getServerNames() {
      return supervisors.filter(isStarted).map(({ name }) => name);
    },
    getServerCatalog() {
      const catalog: Record<string, McpServerCatalogEntry> = {};
      for (const [server, names] of table.namesByServer)
        catalog[server] = { tool_count: names.length, tools: [...names] };
      return catalog;
    },
    getServerToolDefinitions(serverNames) {
      const wanted = new Set(serverNames);
      return table.definitions
        .filter(({ name }) => wanted.has(table.routes.get(name)?.server ?? ''))
        .map((definition) => structuredClone(definition));
    },
    getServerStatus() {
      return Object.fromEntries(supervisors.map((supervisor) => [supervisor.name, supervisor.status()]));
    },
    async closeSession(sessionId, signal) {
      for (const server of settings.sessionInjectServers) {
        const supervisor = supervisorsByName.get(server);
        const toolName = `${server}_close_session`;
        if (supervisor === undefined || !supervisor.tools.some((tool) => tool.name === toolName)) continue;
        const call = createDeadlineSignal([signal, lifetime.signal]);
        try {
          const timeoutMs = settings.serverToolTimeoutsMs.get(server) ?? settings.toolTimeoutMs;
          const result = await supervisor.callTool(
            toolName,
            { _session_id: sessionId },
            call.signal,
            timeoutMs,
          );
          const converted = convertMcpToolResult(result, toolName);
          if (!converted.ok) throw new Error(converted.error.message);
        } catch (thrown) {
          logger.warn(`MCP ${toolName} failed for session ${sessionId}: ${describe(thrown)}`, { server });
        } finally {
          call.dispose();
        }
      }
    },
  };
}

function describe(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
