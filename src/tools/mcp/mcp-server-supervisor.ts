import type { CallToolResult, Implementation, Tool } from '@modelcontextprotocol/sdk/types.js';
import { raceWithAbort } from '../race-with-abort.js';
import { createDeadlineSignal } from './create-deadline-signal.js';
import { isSessionNotFound } from './map-mcp-call-error.js';
import type { Logger } from '../../core/logger.js';
import type { McpServerConfig } from './mcp-server-config.js';
import { McpServerUnavailableError } from './mcp-server-unavailable-error.js';
import { createRestartBackoff, formatSeconds } from './mcp-restart-backoff.js';
import { openMcpConnection } from './open-mcp-connection.js';
import type { McpConnection } from './open-mcp-connection.js';

/** Life stage of one server: `failed` = never started; `down` = crashed, restarts on next call. */
export type McpServerState = 'idle' | 'starting' | 'connected' | 'down' | 'failed' | 'closed';

/** A snapshot of one server, for health endpoints and diagnostics. */
export interface McpServerStatus {
  state: McpServerState;
  /** Child process id of a running stdio server. */
  pid: number | null;
  toolCount: number;
  /** Successful reconnects since start. */
  restarts: number;
  /** Why the last start or restart failed, if it did. */
  lastError: string | null;
}

/** Inputs of `createMcpServerSupervisor`. */
export interface McpServerSupervisorOptions {
  name: string;
  config: McpServerConfig;
  clientInfo: Implementation;
  logger: Logger;
  startupTimeoutMs: number;
  /** Delay before the n-th retry after failed restarts: initial · 2^(n-1), capped at max. */
  restartBackoff: { initialMs: number; maxMs: number };
  /** The server's tool list changed (re-listing or reconnect). */
  onToolsChanged(): void;
}

/** Owns one server's connection across crashes, lost sessions and shutdown. */
export interface McpServerSupervisor {
  readonly name: string;
  /** Prepended to the server's tool names as the model sees them ('' for none). */
  readonly toolPrefix: string;
  /** The latest known tools (kept while the server is down, so calls can trigger a restart). */
  readonly tools: readonly Tool[];
  status(): McpServerStatus;
  /** Connects for the first time; rejects when the server cannot be started. */
  start(signal: AbortSignal): Promise<void>;
  /** Calls a tool, restarting a crashed server first; rejects with SDK or unavailability errors. */
  callTool(
    toolName: string,
    input: Record<string, unknown>,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<CallToolResult>;
  /** Closes the connection and child process; idempotent. */
  close(): Promise<void>;
}

/**
 * Creates the supervisor of one server. Reliability rules live here: a connection that closes
 * on its own marks the server down and the next call reconnects (respawn, initialise, list),
 * shared by concurrent callers; after a failed reconnect, calls fail fast with
 * `server_restarting` until the back-off elapses, so a broken server is not respawned on every
 * call; an HTTP 404 for our session re-initialises once and retries the call once.
 */
export function createMcpServerSupervisor(options: McpServerSupervisorOptions): McpServerSupervisor {
  const { name, logger, startupTimeoutMs, restartBackoff } = options;
  const closeController = new AbortController();
  let state: McpServerState = 'idle';
  let connection: McpConnection | null = null;
  let tools: readonly Tool[] = [];
  let generation = 0;
  let restarts = 0;
  const backoff = createRestartBackoff(restartBackoff);
  let connectedAt = 0;
  let lastError: string | null = null;
  let reconnecting: Promise<McpConnection> | null = null;
  let closing: Promise<void> | null = null;
  // eslint-disable-next-line gateway/churn-collections -- one entry per reconnect, not per chat
  const retiring = new Set<Promise<void>>();

  const retire = (stale: McpConnection): void => {
    const done: Promise<void> = stale.close().finally(() => retiring.delete(done));
    retiring.add(done);
  };

  async function connect(signal: AbortSignal): Promise<McpConnection> {
    generation += 1;
    const mine = generation;
    const deadline = createDeadlineSignal([signal, closeController.signal], startupTimeoutMs);
    try {
      const opened = await openMcpConnection({
        server: name,
        config: options.config,
        clientInfo: options.clientInfo,
        logger,
        timeoutMs: startupTimeoutMs,
        signal: deadline.signal,
        onToolsChanged: (listed) => {
          if (mine !== generation) return;
          tools = listed;
          options.onToolsChanged();
        },
        onClosed: () => {
          if (mine === generation && state === 'connected') markDown();
        },
      });
      if (closeController.signal.aborted) {
        // close() ran while we were connecting: do not resurrect the server.
        await opened.close();
        throw unavailable();
      }
      connection = opened;
      connectedAt = Date.now();
      tools = opened.tools;
      state = 'connected';
      lastError = null;
      return opened;
    } catch (thrown) {
      if (deadline.expired) {
        throw new Error(`did not start within ${startupTimeoutMs / 1000}s`, { cause: thrown });
      }
      throw thrown;
    } finally {
      deadline.dispose();
    }
  }

  function markDown(): void {
    state = 'down';
    if (connection !== null) retire(connection);
    connection = null;
    // A restarted server that dies again within the back-off cap is crash-looping: treat it as a
    // failed restart, or every call would respawn it. A server that ran stably starts afresh.
    const delayMs = backoff.stopped(restarts, connectedAt);
    if (delayMs !== undefined) {
      lastError = 'it stopped again soon after a restart';
      logger.warn(
        `MCP server '${name}' stopped again soon after a restart; next attempt in ${formatSeconds(delayMs)}`,
        {
          server: name,
          retryInMs: delayMs,
        },
      );
      return;
    }
    logger.warn(`MCP server '${name}' stopped unexpectedly; it will be restarted on the next call`, {
      server: name,
    });
  }

  async function restart(): Promise<McpConnection> {
    try {
      const restarted = await connect(closeController.signal);
      restarts += 1;
      logger.info(`MCP server '${name}' restarted`, { server: name, restarts });
      options.onToolsChanged();
      return restarted;
    } catch (thrown) {
      if (state === 'closed') throw unavailable();
      const delayMs = backoff.failed();
      lastError = thrown instanceof Error ? thrown.message : String(thrown);
      logger.warn(`MCP server '${name}' could not be restarted: ${lastError}`, {
        server: name,
        retryInMs: delayMs,
      });
      throw new McpServerUnavailableError(
        name,
        `MCP server '${name}' stopped and could not be restarted (${lastError}); next attempt in ${formatSeconds(delayMs)}`,
        { subCode: 'server_restarting', cause: thrown },
      );
    }
  }

  async function ensureConnection(signal: AbortSignal): Promise<McpConnection> {
    if (state === 'connected' && connection !== null) return connection;
    if (state !== 'down') throw unavailable();
    if (reconnecting === null) {
      const waitMs = backoff.waitMs();
      if (waitMs > 0) {
        throw new McpServerUnavailableError(
          name,
          `MCP server '${name}' is restarting after a failure (${lastError ?? 'unknown error'}); next attempt in ${formatSeconds(waitMs)}`,
          { subCode: 'server_restarting' },
        );
      }
      reconnecting = restart().finally(() => {
        reconnecting = null;
      });
    }
    // The reconnect is shared; one caller giving up must not cancel it for the others.
    const ready = await raceWithAbort<McpConnection | null>(reconnecting, signal, () => null);
    if (ready === null) throw signal.reason;
    return ready;
  }

  function unavailable(): McpServerUnavailableError {
    return new McpServerUnavailableError(name, `MCP server unavailable: ${name}`);
  }

  return {
    name,
    toolPrefix: options.config.toolPrefix ?? '',
    get tools() {
      return tools;
    },
    status() {
      return { state, pid: connection?.pid ?? null, toolCount: tools.length, restarts, lastError };
    },
    async start(signal) {
      if (state !== 'idle') return;
      state = 'starting';
      try {
        await connect(signal);
      } catch (thrown) {
        // close() may have run meanwhile; its 'closed' must stand.
        if (!closeController.signal.aborted) state = 'failed';
        lastError = thrown instanceof Error ? thrown.message : String(thrown);
        throw thrown;
      }
    },
    async callTool(toolName, input, signal, timeoutMs) {
      // Fast path without an extra await: the common case is a live connection.
      const current =
        state === 'connected' && connection !== null ? connection : await ensureConnection(signal);
      try {
        return await current.callTool(toolName, input, signal, timeoutMs);
      } catch (thrown) {
        if (!isSessionNotFound(thrown) || signal.aborted) throw thrown;
        if (connection === current) {
          logger.warn(`MCP server '${name}' no longer knows our session; re-initialising`, { server: name });
          state = 'down';
          connection = null;
          backoff.allowNow();
          retire(current);
        }
        // Exactly one retry, on whichever connection replaced the one that lost its session.
        const fresh = await ensureConnection(signal);
        return await fresh.callTool(toolName, input, signal, timeoutMs);
      }
    },
    close() {
      closing ??= (async () => {
        state = 'closed';
        closeController.abort();
        await reconnecting?.catch(() => undefined);
        const open = connection;
        connection = null;
        await open?.close();
        await Promise.all([...retiring]);
      })();
      return closing;
    },
  };
}
