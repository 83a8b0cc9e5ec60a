import { z } from 'zod';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

const mustBe = (name: string, what: string): { error: string } => ({ error: `\`${name}\` must ${what}` });

const stringMap = (name: string) =>
  z.record(
    z.string(),
    z.string(mustBe(name, 'map names to string values')),
    mustBe(name, 'map names to string values'),
  );

const userId = z.number(mustBe('user', 'be { uid, gid } with non-negative integer ids')).int().min(0);

const absoluteUrl = z
  .string(mustBe('url', 'be an absolute URL'))
  .refine((url) => URL.canParse(url), mustBe('url', 'be an absolute URL'));

/**
 * The fields every kind shares. Entries are objects, not strict ones: Claude's files carry
 * fields we do not use (`disabled`, `autoApprove`...), which are dropped.
 */
const baseShape = {
  /**
   * Prepended to each of the server's tool names as the model sees them (`<prefix><name>`);
   * calls still use the server's own name. Off by default: tools keep their names.
   */
  toolPrefix: z.string(mustBe('toolPrefix', 'be a string')).optional(),
};

/** A server started as a child process that speaks MCP over stdin/stdout (the default kind). */
const stdioServerSchema = z.object({
  ...baseShape,
  type: z.literal('stdio').default('stdio'),
  command: z
    .string(mustBe('command', 'be a non-empty string'))
    .refine((command) => command.trim() !== '', mustBe('command', 'be a non-empty string')),
  args: z
    .array(z.string(mustBe('args', 'be an array of strings')), mustBe('args', 'be an array of strings'))
    .optional(),
  /**
   * Extra environment variables. The child gets the SDK's safe inherited set (HOME, PATH,
   * SHELL, TERM, USER, LOGNAME) plus these, never the gateway's full environment, so API keys
   * do not leak into third-party servers by accident.
   */
  env: stringMap('env').optional(),
  cwd: z.string(mustBe('cwd', 'be a string')).optional(),
  /**
   * The user and group the server runs as (`setpriv` switches to them before the server
   * starts, supplementary groups cleared). Only a gateway running as root can switch; then
   * the server cannot read the gateway's `/proc/<pid>/environ` (its API keys and JWT secret)
   * nor files only root may read. Without it a stdio server runs as the gateway's user and can
   * read them. The environment's `HOME` stays the gateway's: set `env.HOME` to a directory
   * this user may write when the server needs one.
   */
  user: z
    .object({ uid: userId, gid: userId }, mustBe('user', 'be { uid, gid } with non-negative integer ids'))
    .optional(),
});

/** A remote server reached over Streamable HTTP. */
const httpServerSchema = z.object({
  ...baseShape,
  type: z.literal('http'),
  url: absoluteUrl,
  headers: stringMap('headers').optional(),
});

/** A remote server reached over the older HTTP+SSE transport. */
const sseServerSchema = httpServerSchema.extend({ type: z.literal('sse') });

/**
 * A server reached through a transport the embedder builds (an in-process server over
 * `InMemoryTransport`, a custom socket). Inline only: a JSON file cannot hold a function.
 * `createTransport` is called again whenever the connection must be re-established.
 */
const transportServerSchema = z.object({
  ...baseShape,
  type: z.literal('transport'),
  createTransport: z.custom<() => Transport | Promise<Transport>>(
    (value) => typeof value === 'function',
    mustBe('createTransport', 'be a function'),
  ),
});

/** Every server kind, by `type`; an entry without one (or with `type: null`) is a stdio server. */
const serverConfigSchema = z.discriminatedUnion(
  'type',
  [stdioServerSchema, httpServerSchema, sseServerSchema, transportServerSchema],
  {
    error: ({ input }) =>
      typeof input !== 'object' || input === null || Array.isArray(input)
        ? 'entry must be an object'
        : `unsupported type ${JSON.stringify(Reflect.get(input, 'type'))} (use "stdio", "http" or "sse")`,
  },
);

/** `type: null` as Claude-style files may write it: the stdio default, like a missing type. */
const withStdioDefault = (raw: unknown): unknown =>
  typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Reflect.get(raw, 'type') === null
    ? { ...raw, type: undefined }
    : raw;

/** How to reach one MCP server, as written in `mcpServers` (inline or in a Claude-style JSON file). */
export type McpServerConfig = z.input<typeof serverConfigSchema>;
/** A server started as a child process that speaks MCP over stdin/stdout. */
export type McpStdioServerConfig = z.input<typeof stdioServerSchema>;
/** A remote server reached over Streamable HTTP. */
export type McpHttpServerConfig = z.input<typeof httpServerSchema>;
/** A remote server reached over the older HTTP+SSE transport. */
export type McpSseServerConfig = z.input<typeof sseServerSchema>;
/** A server reached through a transport the embedder builds. */
export type McpCustomTransportServerConfig = z.input<typeof transportServerSchema>;
/** A numeric user and group id for a stdio server's process. */
export type McpServerUser = NonNullable<McpStdioServerConfig['user']>;
/** A checked server entry: its `type` always set, an empty `toolPrefix` left out. */
export type McpServerSettings = z.output<typeof serverConfigSchema>;

/** The result of checking one raw entry: a usable config, or why it was rejected. */
export type ParsedMcpServerConfig = { ok: true; config: McpServerSettings } | { ok: false; problem: string };

/**
 * Checks one `mcpServers` entry taken from untrusted JSON or user code. Unknown extra fields are
 * ignored (Claude's files carry fields we do not use); a wrong type on a field we use rejects
 * the entry so the problem is reported instead of surfacing later as a confusing spawn error.
 */
export function parseMcpServerConfig(raw: unknown): ParsedMcpServerConfig {
  const parsed = serverConfigSchema.safeParse(withStdioDefault(raw));
  if (!parsed.success) {
    return { ok: false, problem: [...new Set(parsed.error.issues.map((issue) => issue.message))].join('; ') };
  }
  const { toolPrefix, ...config } = parsed.data;
  return {
    ok: true,
    config: toolPrefix === undefined || toolPrefix === '' ? config : { ...config, toolPrefix },
  };
}
