import { z } from 'zod';
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
  type?: 'stdio' | undefined;
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

const mustBe = (name: string, what: string): { error: string } => ({ error: `\`${name}\` must ${what}` });

const stringMap = (name: string) =>
  z.record(
    z.string(),
    z.string(mustBe(name, 'map names to string values')),
    mustBe(name, 'map names to string values'),
  );

const userId = z.number(mustBe('user', 'be { uid, gid } with non-negative integer ids')).int().min(0);

/**
 * The fields every kind shares. Entries are objects, not strict ones: Claude's files carry
 * fields we do not use (`disabled`, `autoApprove`...), which are dropped.
 */
const baseShape = { toolPrefix: z.string(mustBe('toolPrefix', 'be a string')).optional() };

/** The schema of each server kind, by `type`. */
const serverSchemas = {
  stdio: z.object({
    ...baseShape,
    command: z
      .string(mustBe('command', 'be a non-empty string'))
      .refine((command) => command.trim() !== '', mustBe('command', 'be a non-empty string')),
    args: z
      .array(z.string(mustBe('args', 'be an array of strings')), mustBe('args', 'be an array of strings'))
      .optional(),
    env: stringMap('env').optional(),
    cwd: z.string(mustBe('cwd', 'be a string')).optional(),
    user: z
      .object({ uid: userId, gid: userId }, mustBe('user', 'be { uid, gid } with non-negative integer ids'))
      .optional(),
  }),
  http: z.object({
    ...baseShape,
    url: z
      .string(mustBe('url', 'be an absolute URL'))
      .refine((url) => URL.canParse(url), mustBe('url', 'be an absolute URL')),
    headers: stringMap('headers').optional(),
  }),
  transport: z.object({
    ...baseShape,
    createTransport: z.custom<() => Transport | Promise<Transport>>(
      (value) => typeof value === 'function',
      mustBe('createTransport', 'be a function'),
    ),
  }),
};

const isServerType = (type: unknown): type is McpServerConfig['type'] & string =>
  type === 'stdio' || type === 'http' || type === 'sse' || type === 'transport';

/**
 * Checks one `mcpServers` entry taken from untrusted JSON or user code. Unknown extra fields are
 * ignored (Claude's files carry fields we do not use); a wrong type on a field we use rejects
 * the entry so the problem is reported instead of surfacing later as a confusing spawn error.
 */
export function parseMcpServerConfig(raw: unknown): ParsedMcpServerConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problem: 'entry must be an object' };
  }
  const type: unknown = ('type' in raw ? raw.type : undefined) ?? 'stdio';
  if (!isServerType(type)) {
    return { ok: false, problem: `unsupported type ${JSON.stringify(type)} (use "stdio", "http" or "sse")` };
  }
  const parsed = serverSchemas[type === 'sse' ? 'http' : type].safeParse(raw);
  if (!parsed.success) {
    return { ok: false, problem: [...new Set(parsed.error.issues.map((issue) => issue.message))].join('; ') };
  }
  const { toolPrefix, ...fields } = parsed.data;
  const config = {
    type,
    ...fields,
    ...(toolPrefix === undefined || toolPrefix === '' ? {} : { toolPrefix }),
  };
  return { ok: true, config: config as McpServerConfig };
}
