import type { Hono } from 'hono';
import type { CreateAgentOptions } from './contracts/create-agent-options.js';
import type { ListenOptions } from './listen-options.js';

/**
 * What an app built by `createAgent` was made from: the CLI's `run` command uses it to run the
 * same agent headless (cron), with the same tools and limits, and `serve` to pick its store.
 */
export interface AgentDefinition {
  /** The options `createAgent` was called with. */
  spec: CreateAgentOptions;
}

/** A running HTTP listener. */
export interface ListeningServer {
  /** `http://host:port` as clients reach it. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /**
   * Stops accepting connections (new ones are refused, so a load balancer sends them
   * elsewhere) and closes idle keep-alive connections; requests under way go on. Idempotent.
   */
  stopAccepting(): void;
  /** Stops accepting connections and waits for the socket to close; idempotent. */
  close(): Promise<void>;
}

/**
 * A gateway application: a web-standard `fetch` handler plus lifecycle. Mount `fetch` in any
 * runtime or framework, or call `listen` for a Node HTTP server.
 */
export interface GatewayApp {
  /** Handles one request. Runs startup hooks first if they have not run yet. */
  fetch(request: Request): Promise<Response>;
  /** Runs startup hooks (MCP connections, the user's `onStartup`) once; later calls share it. */
  start(): Promise<void>;
  /** Starts the app and serves it on a Node HTTP server. */
  listen(options?: ListenOptions): Promise<ListeningServer>;
  /**
   * Drains: refuses new chats, cancels and awaits running streams, runs shutdown hooks, closes
   * listeners, stores and tool clients. Safe to call more than once.
   */
  close(): Promise<void>;
  /** The underlying Hono app, for adding routes or middleware of your own. */
  readonly hono: Hono;
  /** The normalised route prefix (`/api` by default, `` for none). */
  readonly prefix: string;
  /** Where the playground page is served (`/playground`), when `server.playground` is on. */
  readonly playgroundPath?: string;
  /** Where the approvals inbox page is served (`/inbox`), when `server.inbox` is on. */
  readonly inboxPath?: string;
  /** Where the A2A JSON-RPC route is (`/api/a2a`), when `server.a2a` is on. */
  readonly a2aPath?: string;
  /** Where the A2A agent card is (`/.well-known/agent-card.json`), when `server.a2a` is on. */
  readonly agentCardPath?: string;
  /** Where the MCP endpoint is (`/api/mcp`), when `server.mcp` is on. */
  readonly mcpPath?: string;
  /** Set by `createAgent`: its options, for headless runs of the same agent. */
  readonly agentDefinition?: AgentDefinition;
}
