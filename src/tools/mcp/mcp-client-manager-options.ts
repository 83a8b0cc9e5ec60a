import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError } from '../../core/errors.js';
import { DEFAULT_MCP_CONFIG_PATH } from './load-mcp-config-file.js';
import { consoleMcpLogger } from './mcp-logger.js';
import type { Logger } from '../../core/logger.js';
import type { McpServerConfig } from './mcp-server-config.js';

/**
 * Options of `createMcpClientManager`: the original `McpClientManager` keywords in camelCase.
 * Durations are seconds, like the original and `createAgent`.
 */
export interface McpClientManagerOptions {
  /** Inline servers; an entry replaces a config-file entry of the same name. */
  servers?: Record<string, McpServerConfig>;
  /**
   * Claude-style JSON file whose top-level `mcpServers` is read at `start()`; `~` is expanded.
   * Default `~/.claude.json`; `null` reads no file. A missing file means no servers.
   */
  configPath?: string | null;
  /** When given, only servers with these names are started. */
  allowedServers?: readonly string[];
  /** The gateway's own tool names; an MCP tool with one of these names is hidden. */
  builtinToolNames?: Iterable<string>;
  /** Per-server tool-call timeout in seconds. */
  timeoutOverrides?: Record<string, number>;
  /** Tool-call timeout in seconds for servers without an override (default 30). */
  defaultToolTimeout?: number;
  /** Seconds one server may take to start: spawn, initialise and list tools (default 15). */
  startupTimeout?: number;
  /** Input-schema properties hidden from the model (and from `required`). */
  stripInputFields?: readonly string[];
  /** Servers whose calls get the caller's session id as `_session_id` in the input. */
  sessionInjectServers?: readonly string[];
  /** Seconds between restart attempts of a crashed server: doubles from `initial` up to `max` (1, 30). */
  restartBackoff?: { initial?: number; max?: number };
  /** How the gateway introduces itself to servers (default `ai-agent-gateway`). */
  clientInfo?: Implementation;
  /** Receives server stderr lines, skipped servers and restarts (default: stderr). */
  logger?: Logger;
}

/** Options after validation, in the units the manager works in. */
export interface ResolvedMcpClientManagerOptions {
  servers: Record<string, unknown>;
  configPath: string | null;
  allowedServers: ReadonlySet<string> | undefined;
  builtinToolNames: ReadonlySet<string>;
  timeoutOverridesMs: ReadonlyMap<string, number>;
  defaultToolTimeoutMs: number;
  startupTimeoutMs: number;
  stripInputFields: ReadonlySet<string>;
  sessionInjectServers: ReadonlySet<string>;
  restartBackoff: { initialMs: number; maxMs: number };
  clientInfo: Implementation;
  logger: Logger;
}

/** Default MCP tool-call timeout, seconds (the original's). */
export const DEFAULT_MCP_TOOL_TIMEOUT_SECONDS = 30;
/** Default per-server startup timeout, seconds (the original's). */
export const DEFAULT_MCP_STARTUP_TIMEOUT_SECONDS = 15;

const DEFAULT_CLIENT_INFO: Implementation = { name: 'ai-agent-gateway', version: '0.1.0' };

const KNOWN_OPTIONS = new Set<string>([
  'servers',
  'configPath',
  'allowedServers',
  'builtinToolNames',
  'timeoutOverrides',
  'defaultToolTimeout',
  'startupTimeout',
  'stripInputFields',
  'sessionInjectServers',
  'restartBackoff',
  'clientInfo',
  'logger',
]);

/**
 * Validates the manager's options before anything is spawned. A malformed option is a
 * programming mistake and throws `invalid_option`; a malformed server entry is not (it may come
 * from a user's JSON file) and is logged and skipped at `start()`.
 */
export function resolveMcpClientManagerOptions(
  options: McpClientManagerOptions,
): ResolvedMcpClientManagerOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) fail(`unknown option \`${key}\``);
  }
  const servers: unknown = options.servers ?? {};
  if (!isRecord(servers)) fail('`servers` must be an object mapping names to server configs');
  const { configPath } = options;
  if (
    configPath !== undefined &&
    configPath !== null &&
    (typeof configPath !== 'string' || configPath === '')
  ) {
    fail('`configPath` must be a non-empty string or null');
  }
  const timeoutOverridesMs = new Map<string, number>();
  const overrides: unknown = options.timeoutOverrides ?? {};
  if (!isRecord(overrides)) fail('`timeoutOverrides` must map server names to seconds');
  for (const [server, seconds] of Object.entries(overrides)) {
    timeoutOverridesMs.set(server, secondsToMs(`timeoutOverrides['${server}']`, seconds));
  }
  const backoff: unknown = options.restartBackoff ?? {};
  if (!isRecord(backoff)) fail('`restartBackoff` must be { initial?, max? } in seconds');
  const initialMs = secondsToMs('restartBackoff.initial', backoff.initial ?? 1);
  const maxMs = secondsToMs('restartBackoff.max', backoff.max ?? 30);
  const { clientInfo, logger } = options;
  if (
    clientInfo !== undefined &&
    (typeof clientInfo.name !== 'string' || typeof clientInfo.version !== 'string')
  ) {
    fail('`clientInfo` must be { name: string, version: string }');
  }
  if (
    logger !== undefined &&
    (typeof logger !== 'object' ||
      logger === null ||
      !['info', 'warn', 'error'].every((method) => typeof Reflect.get(logger, method) === 'function'))
  ) {
    fail('`logger` must have info, warn and error methods');
  }

  return {
    servers,
    configPath: configPath === undefined ? DEFAULT_MCP_CONFIG_PATH : configPath,
    allowedServers:
      options.allowedServers === undefined ? undefined : stringSet('allowedServers', options.allowedServers),
    builtinToolNames: stringSet('builtinToolNames', options.builtinToolNames ?? []),
    timeoutOverridesMs,
    defaultToolTimeoutMs: secondsToMs(
      'defaultToolTimeout',
      options.defaultToolTimeout ?? DEFAULT_MCP_TOOL_TIMEOUT_SECONDS,
    ),
    startupTimeoutMs: secondsToMs(
      'startupTimeout',
      options.startupTimeout ?? DEFAULT_MCP_STARTUP_TIMEOUT_SECONDS,
    ),
    stripInputFields: stringSet('stripInputFields', options.stripInputFields ?? []),
    sessionInjectServers: stringSet('sessionInjectServers', options.sessionInjectServers ?? []),
    restartBackoff: { initialMs, maxMs: Math.max(initialMs, maxMs) },
    clientInfo: clientInfo ?? DEFAULT_CLIENT_INFO,
    logger: logger ?? consoleMcpLogger,
  };
}

function secondsToMs(name: string, seconds: unknown): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    fail(`\`${name}\` must be a positive number of seconds`);
  }
  return seconds * 1000;
}

function stringSet(name: string, values: unknown): Set<string> {
  if (typeof values !== 'object' || values === null || !(Symbol.iterator in values)) {
    fail(`\`${name}\` must be an array of strings`);
  }
  const set = new Set<string>();
  for (const value of values as Iterable<unknown>) {
    if (typeof value !== 'string') fail(`\`${name}\` must contain only strings`);
    set.add(value);
  }
  return set;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(problem: string): never {
  throw new GatewayError('invalid_option', `createMcpClientManager: ${problem}`);
}
