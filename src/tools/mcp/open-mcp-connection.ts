import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { CallToolResult, Implementation, Tool } from '@modelcontextprotocol/sdk/types.js';
import { createDeadlineSignal } from './create-deadline-signal.js';
import { createMcpTransport } from './create-mcp-transport.js';
import { listAllMcpTools } from './list-all-mcp-tools.js';
import { loadMcpClientSdk } from './mcp-client-sdk.js';
import type { Logger } from '../../core/logger.js';
import type { McpServerConfig } from './mcp-server-config.js';
import { watchStdioServerExit, type StdioServerExit } from './stdio-server-exit.js';

/** A live, initialised session with one MCP server. */
export interface McpConnection {
  /** The server's tools from the latest listing. */
  readonly tools: readonly Tool[];
  /** Process id of a stdio server; null for remote servers. */
  readonly pid: number | null;
  /** Calls a tool; rejects with SDK / transport errors (the caller maps them). */
  callTool(
    toolName: string,
    input: Record<string, unknown>,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<CallToolResult>;
  /** Ends the session and the child process; idempotent. Does not fire `onClosed`. */
  close(): Promise<void>;
}

/** Inputs of `openMcpConnection`. */
export interface OpenMcpConnectionOptions {
  server: string;
  config: McpServerConfig;
  clientInfo: Implementation;
  logger: Logger;
  /** Bounds the whole open (spawn, initialise, listing) and each later re-listing. */
  timeoutMs: number;
  signal: AbortSignal;
  /** A `tools/list_changed` notification led to a new listing. */
  onToolsChanged(tools: readonly Tool[]): void;
  /** The transport closed without us asking (the child exited, the stream died). */
  onClosed(): void;
}

/** How long a polite HTTP session DELETE may delay shutdown. */
const SESSION_TERMINATE_GRACE_MS = 1_000;
/** How long a failed start waits for the rest of a dead server's stderr. */
const STDERR_DRAIN_GRACE_MS = 250;

/**
 * Connects to one server: builds its transport, initialises, and lists its tools (all pages),
 * all within `timeoutMs`. A failure anywhere closes what was opened (no orphaned child) and
 * rejects. Afterwards the connection re-lists on `tools/list_changed` (coalescing bursts, so
 * an older listing never overwrites a newer one) and reports an unexpected close once.
 */
export async function openMcpConnection(options: OpenMcpConnectionOptions): Promise<McpConnection> {
  const { server, logger, timeoutMs } = options;
  const transport = await createMcpTransport(options.config);
  // Loaded by the transport's creation already.
  const { Client, StdioClientTransport, StreamableHTTPClientTransport, ToolListChangedNotificationSchema } =
    await loadMcpClientSdk();
  const client = new Client(options.clientInfo, { capabilities: {} });
  const lifetime = new AbortController();
  let closing = false;
  let closedByServer = false;
  let opened = false;
  let tools: readonly Tool[] = [];

  const exit = transport instanceof StdioClientTransport ? watchStdioServerExit(transport) : undefined;
  const stderrEnded =
    transport instanceof StdioClientTransport && transport.stderr instanceof Readable
      ? forwardStderr(transport.stderr, server, logger, exit)
      : Promise.resolve();
  client.onerror = (error) => {
    // Before the open completes, the failure is reported once, by whoever awaits the open.
    if (opened && !closing) {
      logger.warn(`MCP server '${server}' transport error: ${error.message}`, { server });
    }
  };
  client.onclose = () => {
    if (closing) return;
    closing = true;
    closedByServer = true;
    lifetime.abort();
    if (opened) options.onClosed();
  };

  const opening = createDeadlineSignal([options.signal, lifetime.signal]);
  const relist = createCoalescingRunner(async () => {
    // While opening, the caller's deadline bounds the listing; afterwards only our lifetime.
    // A child signal per listing, because the SDK never removes its abort listener.
    const listing = createDeadlineSignal([opened ? lifetime.signal : opening.signal]);
    try {
      tools = await listAllMcpTools(client, { signal: listing.signal, timeout: timeoutMs });
    } finally {
      listing.dispose();
    }
    if (opened) options.onToolsChanged(tools);
  });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () =>
    relist().catch((thrown: unknown) => {
      if (!closing) {
        logger.warn(`MCP server '${server}' tool re-listing failed: ${describe(thrown)}`, { server });
      }
    }),
  );

  const close = once(async () => {
    closing = true;
    lifetime.abort();
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
      await withGrace(transport.terminateSession(), SESSION_TERMINATE_GRACE_MS);
    }
    await client.close().catch(() => undefined);
  });

  try {
    await client.connect(transport, { signal: opening.signal, timeout: timeoutMs });
    await relist();
  } catch (thrown) {
    await close();
    if (!closedByServer || exit === undefined) throw thrown;
    // The server went away mid-handshake: the SDK only says its request was aborted. Its exit
    // status and last stderr lines say why (the last line may still be in the pipe).
    await withGrace(stderrEnded, STDERR_DRAIN_GRACE_MS);
    throw new Error(exit.describe() ?? 'it closed the connection while starting', { cause: thrown });
  } finally {
    opening.dispose();
  }
  if (closing) throw new Error(`MCP server '${server}' closed while starting`);
  opened = true;

  return {
    get tools() {
      return tools;
    },
    get pid() {
      return transport instanceof StdioClientTransport ? transport.pid : null;
    },
    async callTool(toolName, input, signal, callTimeoutMs) {
      const result = await client.callTool({ name: toolName, arguments: input }, undefined, {
        signal,
        timeout: callTimeoutMs,
      });
      return Array.isArray(result.content)
        ? (result as CallToolResult)
        : { content: [{ type: 'text', text: JSON.stringify(result.toolResult) }] };
    },
    close,
  };
}

/**
 * Sends each stderr line to the log, labelled with the server, and keeps the last ones for a
 * start-up failure; resolves when the stream ends (readline ends with it).
 */
function forwardStderr(
  stream: Readable,
  server: string,
  logger: Logger,
  exit: StdioServerExit | undefined,
): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    exit?.addStderrLine(line);
    logger.info(`[mcp:${server}] ${line}`, { server });
  });
  return new Promise((resolve) => lines.once('close', () => resolve()));
}

/**
 * Runs `task` now, or — when a run is in flight — once more after it, sharing that follow-up
 * among every caller who asked meanwhile. A burst of notifications thus costs at most two
 * listings, and the last listing always starts after the last notification.
 */
function createCoalescingRunner(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const start = (): Promise<void> => {
    const run = task().finally(() => {
      if (running === run) running = null;
    });
    running = run;
    return run;
  };
  return () => {
    if (queued !== null) return queued;
    if (running === null) return start();
    const follow = running
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return start();
      });
    queued = follow;
    return follow;
  };
}

function once(action: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | null = null;
  return () => (result ??= action());
}

/** Waits for `work` at most `ms`; failures are ignored (used for best-effort goodbyes). */
async function withGrace(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work.catch(() => undefined), grace]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
