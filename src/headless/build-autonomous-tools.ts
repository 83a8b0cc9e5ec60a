import type { RemoteToolSource } from '../core/tool.js';
import type { ToolDispatcherOptions } from '../tools/tool-dispatcher-options.js';
import type { RunAutonomousOptions } from './run-autonomous-options.js';

/** The tools of one autonomous run, and what must be released when it ends. */
export interface AutonomousTools {
  /** Handed to `createToolDispatcher` (validated there, before the run starts). */
  dispatcherOptions: ToolDispatcherOptions;
  /** MCP servers that connected (recorded in the state as `connected_servers`). */
  connectedServers: string[];
  /** MCP servers whose tools the model can call (recorded as `active_servers`). */
  activeServers: string[];
  /** Releases what this step started (MCP connections, sub-agent workers); idempotent. */
  close(): Promise<void>;
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
 * Turns a run's tool options into dispatcher options: the one place where tool sources are
 * assembled for headless runs, so the agent loop and the dispatcher stay the same as over HTTP.
 *
 * Extension point: sources the run itself must start and stop plug in here — an MCP client
 * manager built from `mcpServers` / `mcpConfigPath` (start it, pass it as `remote`, report its
 * servers, shut it down in `close()`), and the `run_agent` / `get_background_result` tools of
 * `skillsDir` (add their handlers and definitions unless the caller supplied `run_agent`).
 * Today only caller-owned sources exist, so `close()` has nothing to release: a `remote`
 * passed in is the caller's to close.
 */
export function buildAutonomousTools(options: RunAutonomousOptions): Promise<AutonomousTools> {
  const { remote } = options;
  const dispatcherOptions: ToolDispatcherOptions = {
    ...(options.toolHandlers === undefined ? {} : { handlers: options.toolHandlers }),
    ...(options.toolDefinitions === undefined ? {} : { definitions: options.toolDefinitions }),
    ...(options.tools === undefined ? {} : { tools: options.tools }),
    ...(options.interceptors === undefined ? {} : { interceptors: options.interceptors }),
    ...(remote === undefined ? {} : { remote }),
    // No `requestApproval`: a call that needs approval is refused (`approval_required`).
    ...(options.needsApproval === undefined ? {} : { needsApproval: options.needsApproval }),
  };
  const servers = remote === undefined ? [] : serversOf(remote);
  return Promise.resolve({
    dispatcherOptions,
    connectedServers: servers,
    activeServers: servers,
    close: () => Promise.resolve(),
  });
}
