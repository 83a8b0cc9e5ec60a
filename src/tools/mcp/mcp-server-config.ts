import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

/** Settings every server kind shares. */
interface McpServerConfigBase {
  /**
   * Prepended to each of the server's tool names as the model sees them (`<prefix><name>`);
   * calls still use the server's own name. Off by default: tools keep their names.
   */
  toolPrefix?: string;
}

/** A server started as a child process that speaks MCP over stdin/stdout. */
export interface McpStdioServerConfig extends McpServerConfigBase {
  type?: 'stdio';
  command: string;
  args?: string[];
  /**
   * Extra environment variables. The child gets the SDK's safe inherited set (HOME, PATH,
   * SHELL, TERM, USER, LOGNAME) plus these, never the gateway's full environment, so API keys
   * do not leak into third-party servers by accident.
   */
  env?: Record<string, string>;
  cwd?: string;
  /**
   * The user and group the server runs as (`setpriv` switches to them before the server
   * starts, supplementary groups cleared). Only a gateway running as root can switch; then
   * the server cannot read the gateway's `/proc/<pid>/environ` (its API keys and JWT secret)
   * nor files only root may read. Without it a stdio server runs as the gateway's user and can
   * read them. The environment's `HOME` stays the gateway's: set `env.HOME` to a directory
   * this user may write when the server needs one.
   */
  user?: McpServerUser;
}

/** A numeric user and group id for a stdio server's process. */
export interface McpServerUser {
  uid: number;
  gid: number;
}

/** A remote server reached over Streamable HTTP. */
export interface McpHttpServerConfig extends McpServerConfigBase {
  type: 'http';
  url: string;
  headers?: Record<string, string>;
}

/** A remote server reached over the older HTTP+SSE transport. */
export interface McpSseServerConfig extends McpServerConfigBase {
  type: 'sse';
  url: string;
  headers?: Record<string, string>;
}

/**
 * A server reached through a transport the embedder builds (an in-process server over
 * `InMemoryTransport`, a custom socket). Inline only: a JSON file cannot hold a function.
 * `createTransport` is called again whenever the connection must be re-established.
 */
export interface McpCustomTransportServerConfig extends McpServerConfigBase {
  type: 'transport';
  createTransport: () => Transport | Promise<Transport>;
}

/** How to reach one MCP server, as written in `mcpServers` (inline or in a Claude-style JSON file). */
export type McpServerConfig =
  McpStdioServerConfig | McpHttpServerConfig | McpSseServerConfig | McpCustomTransportServerConfig;

/** The result of checking one raw entry: a usable config, or why it was rejected. */
export type ParsedMcpServerConfig = { ok: true; config: McpServerConfig } | { ok: false; problem: string };

/**
 * Checks one `mcpServers` entry taken from untrusted JSON or user code. Unknown extra fields are
 * ignored (Claude's files carry fields we do not use); a wrong type on a field we use rejects
 * the entry so the problem is reported instead of surfacing later as a confusing spawn error.
 */
export function parseMcpServerConfig(raw: unknown): ParsedMcpServerConfig {
  if (!isRecord(raw)) return { ok: false, problem: 'entry must be an object' };
  const type: unknown = raw.type ?? 'stdio';
  const toolPrefix = raw.toolPrefix;
  if (toolPrefix !== undefined && typeof toolPrefix !== 'string') {
    return { ok: false, problem: '`toolPrefix` must be a string' };
  }
  const base = toolPrefix === undefined || toolPrefix === '' ? {} : { toolPrefix };

  switch (type) {
    case 'stdio': {
      const { command, args, env, cwd, user } = raw;
      if (typeof command !== 'string' || command.trim() === '') {
        return { ok: false, problem: '`command` must be a non-empty string' };
      }
      if (args !== undefined && !isStringArray(args)) {
        return { ok: false, problem: '`args` must be an array of strings' };
      }
      if (env !== undefined && !isStringRecord(env)) {
        return { ok: false, problem: '`env` must map names to string values' };
      }
      if (cwd !== undefined && typeof cwd !== 'string') {
        return { ok: false, problem: '`cwd` must be a string' };
      }
      if (user !== undefined && !isServerUser(user)) {
        return { ok: false, problem: '`user` must be { uid, gid } with non-negative integer ids' };
      }
      const config: McpStdioServerConfig = { type: 'stdio', command, ...base };
      if (user !== undefined) config.user = { uid: user.uid, gid: user.gid };
      if (args !== undefined) config.args = [...args];
      if (env !== undefined) config.env = { ...env };
      if (cwd !== undefined) config.cwd = cwd;
      return { ok: true, config };
    }
    case 'http':
    case 'sse': {
      const { url, headers } = raw;
      const kind: 'http' | 'sse' = type;
      if (typeof url !== 'string' || !URL.canParse(url)) {
        return { ok: false, problem: '`url` must be an absolute URL' };
      }
      if (headers !== undefined && !isStringRecord(headers)) {
        return { ok: false, problem: '`headers` must map names to string values' };
      }
      const config: McpHttpServerConfig | McpSseServerConfig = { type: kind, url, ...base };
      if (headers !== undefined) config.headers = { ...headers };
      return { ok: true, config };
    }
    case 'transport': {
      const { createTransport } = raw;
      if (typeof createTransport !== 'function') {
        return { ok: false, problem: '`createTransport` must be a function' };
      }
      return {
        ok: true,
        config: {
          type: 'transport',
          createTransport: createTransport as () => Transport | Promise<Transport>,
          ...base,
        },
      };
    }
    default:
      return {
        ok: false,
        problem: `unsupported type ${JSON.stringify(type)} (use "stdio", "http" or "sse")`,
      };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isServerUser(value: unknown): value is McpServerUser {
  const isId = (id: unknown): boolean => typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
  return isRecord(value) && isId(value.uid) && isId(value.gid);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((item) => typeof item === 'string');
}
