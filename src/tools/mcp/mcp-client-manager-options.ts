import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import { implementing, parseOptions, positiveNumber, stringIterable } from '../../core/parse-options.js';
import { consoleMcpLogger } from './mcp-logger.js';
import type { McpServerConfig } from './mcp-server-config.js';

/**
 * The options of `createMcpClientManager`: the `McpClientManager` keywords in
 * camelCase, with durations in milliseconds (the same names as `createAgent`'s `mcp` group).
 * A malformed option is a programming mistake and throws `invalid_option`; a malformed server
 * entry is not (it may come from a user's JSON file) and is logged and skipped at `start()`.
 */
export const mcpClientManagerOptionsSchema = z.strictObject({
  /** Inline servers; an entry replaces a config-file entry of the same name (checked at `start()`). */
  servers: z.record(z.string(), z.custom<McpServerConfig>()).optional(),
  /**
   * Claude-style JSON file whose top-level `mcpServers` is read at `start()`; `~` is expanded.
   * Default `~/.claude.json`; `null` reads no file. A missing file means no servers.
   */
  configPath: z.string().min(1).nullable().default('~/.claude.json'),
  /** When given, only servers with these names are started. */
  allowedServers: stringIterable().optional(),
  /** The gateway's own tool names; an MCP tool with one of these names is hidden. */
  builtinToolNames: stringIterable().optional(),
  /** Tool-call time limit in ms for servers without their own (default 30 000). */
  toolTimeoutMs: positiveNumber().default(30_000),
  /** Per-server tool-call time limits in ms, by server name. */
  serverToolTimeoutsMs: z.record(z.string(), positiveNumber()).optional(),
  /** Time one server may take to start: spawn, initialise and list tools (default 15 000 ms). */
  startupTimeoutMs: positiveNumber().default(15_000),
  /** Input-schema properties hidden from the model (and from `required`). */
  stripInputFields: stringIterable().optional(),
  /** Servers whose calls get the caller's session id as `_session_id` in the input. */
  sessionInjectServers: stringIterable().optional(),
  /** Pause between restart attempts of a crashed server: doubles from `initialMs` up to `maxMs`. */
  restartBackoff: z
    .strictObject({
      /** First pause (default 1 000 ms). */
      initialMs: positiveNumber().default(1_000),
      /** Longest pause (default 30 000 ms; never below `initialMs`). */
      maxMs: positiveNumber().default(30_000),
    })
    .prefault({}),
  /** How the gateway introduces itself to servers (default `ai-agent-gateway`). */
  clientInfo: z
    .looseObject({ name: z.string(), version: z.string() })
    .default({ name: 'ai-agent-gateway', version: '0.1.0' }),
  /** Receives server stderr lines, skipped servers and restarts (default: stderr). */
  logger: implementing<Logger>('a Logger (info, warn and error methods)', [
    'info',
    'warn',
    'error',
  ]).optional(),
});

/** Options of `createMcpClientManager`; durations in milliseconds. */
export type McpClientManagerOptions = z.input<typeof mcpClientManagerOptionsSchema>;

const inMs = (path: string): string => `use '${path}' (milliseconds)`;

/** Options of 0.1.0 that counted seconds (see CHANGELOG.md). */
const RENAMED_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['defaultToolTimeout', inMs('toolTimeoutMs')],
  ['timeoutOverrides', inMs('serverToolTimeoutsMs')],
  ['startupTimeout', inMs('startupTimeoutMs')],
  ['restartBackoff.initial', inMs('restartBackoff.initialMs')],
  ['restartBackoff.max', inMs('restartBackoff.maxMs')],
]);

/** Options after validation, with the defaults applied. */
export interface ResolvedMcpClientManagerOptions {
  servers: Record<string, unknown>;
  configPath: string | null;
  allowedServers: ReadonlySet<string> | undefined;
  builtinToolNames: ReadonlySet<string>;
  toolTimeoutMs: number;
  serverToolTimeoutsMs: ReadonlyMap<string, number>;
  startupTimeoutMs: number;
  stripInputFields: ReadonlySet<string>;
  sessionInjectServers: ReadonlySet<string>;
  restartBackoff: { initialMs: number; maxMs: number };
  clientInfo: Implementation;
  logger: Logger;
}

/** Validates the manager's options before anything is spawned and applies the defaults. */
export function resolveMcpClientManagerOptions(
  options: McpClientManagerOptions,
): ResolvedMcpClientManagerOptions {
  const parsed = parseOptions(
    mcpClientManagerOptionsSchema,
    options,
    'createMcpClientManager',
    RENAMED_OPTIONS,
  );
  const { initialMs, maxMs } = parsed.restartBackoff;
  return {
    servers: parsed.servers ?? {},
    configPath: parsed.configPath,
    allowedServers: parsed.allowedServers === undefined ? undefined : new Set(parsed.allowedServers),
    builtinToolNames: new Set(parsed.builtinToolNames),
    toolTimeoutMs: parsed.toolTimeoutMs,
    serverToolTimeoutsMs: new Map(Object.entries(parsed.serverToolTimeoutsMs ?? {})),
    startupTimeoutMs: parsed.startupTimeoutMs,
    stripInputFields: new Set(parsed.stripInputFields),
    sessionInjectServers: new Set(parsed.sessionInjectServers),
    restartBackoff: { initialMs, maxMs: Math.max(initialMs, maxMs) },
    clientInfo: parsed.clientInfo,
    logger: parsed.logger ?? consoleMcpLogger,
  };
}
