import type { Logger } from '../../core/logger.js';
import type { Provider } from '../../core/provider.js';
import type { RemoteToolSource } from '../../core/tool.js';
import type { FallbackModelSetting } from '../../agent/agent-loop-settings.js';
import { describeMissingCredential } from '../../agent/missing-credential.js';
import type { CodeExecutionStatus } from '../../tools/code-execution/create-code-execution.js';
import type { SubprocessSessions } from '../../tools/code-execution/subprocess-sessions.js';
import type { McpServerStatus } from '../../tools/mcp/mcp-server-supervisor.js';
import type { ServerSpec } from '../contracts/server-spec.js';
import { describeDatabase } from '../database/gateway-database.js';
import { normalizePrefix } from '../contracts/normalize-prefix.js';

/** What `createAgent` knows about itself once its MCP servers and sandboxes are up. */
export interface StartupFacts {
  provider: Provider;
  model: string;
  allowedModels: ReadonlySet<string>;
  /** The fallback chain after `model`, as resolved (an entry without provider uses `provider`). */
  fallback?: readonly FallbackModelSetting[];
  server: ServerSpec;
  maxTurns: number | undefined;
  maxBudgetUsd: number | undefined;
  codeExecution: CodeExecutionStatus | undefined;
  mcp: Record<string, McpServerStatus> | undefined;
  /** The agent's own tools (local, client-side, code execution, skills), by name. */
  tools?: readonly string[];
  /** The tools each MCP server offers, by server. */
  mcpTools?: Readonly<Record<string, readonly string[]>>;
  /** Effective time limits in ms, defaults included, by option name (`sessionTtlMs`…). */
  timeouts: Record<string, number>;
}

const describeStore = (store: ServerSpec['store']): string =>
  store === undefined || store === 'memory'
    ? 'memory (this process only)'
    : typeof store === 'object' && 'redis' in store
      ? 'redis'
      : 'custom stores';

const describeCodeExecution = (probe: CodeExecutionStatus): string => {
  const reasons = Object.entries(probe.backends)
    .filter(([, result]) => !result.available)
    .map(([name, result]) => `${name}: ${result.reason ?? 'unavailable'}`);
  const chosen = probe.auto === null ? 'no backend available' : `auto runs on ${probe.auto}`;
  return reasons.length === 0 ? chosen : `${chosen} (${reasons.join('; ')})`;
};

/** How the unsandboxed subprocess backend keeps sessions apart, in the operator's words. */
const SUBPROCESS_SESSIONS: Readonly<Record<SubprocessSessions, string>> = {
  'user-per-session': 'each session runs as a user of its own (sessionUidRange)',
  'one-at-a-time':
    'one session at a time: the gateway is not root, so it cannot give sessions users of their own',
  shared: "shared by every session as the gateway's user (allowSharedSubprocessSandbox)",
};

/**
 * A warning when the unsandboxed subprocess backend does not give sessions users of their own:
 * either later sessions are refused, or every session can read the others' work dirs.
 */
const hasCredential = (provider: Provider): boolean => {
  try {
    return provider.hasCredential();
  } catch {
    return false;
  }
};

/**
 * The fallback chain as `provider/model` entries in the order they are tried, each with the
 * failures it takes over when not all, and the entries a run skips for want of a credential.
 */
function describeFallback(primary: Provider, fallback: readonly FallbackModelSetting[]): string[] {
  return fallback.map((entry) => {
    const provider = entry.provider ?? primary;
    const when = entry.when === undefined ? '' : ` (on ${entry.when.join(', ')})`;
    const skipped = hasCredential(provider) ? '' : ' (no credential: skipped)';
    return `${provider.name}/${entry.model}${when}${skipped}`;
  });
}

/** The tools each MCP server of `source` offers, by server name. */
export function mcpToolsByServer(
  source: Pick<RemoteToolSource, 'getToolDefinitions' | 'getServerForTool'>,
): Record<string, string[]> {
  const byServer: Record<string, string[]> = {};
  for (const { name } of source.getToolDefinitions()) {
    const server = source.getServerForTool(name);
    if (server !== null) (byServer[server] ??= []).push(name);
  }
  return byServer;
}

/** At most this many tool names per list in the report; the rest are counted. */
const MAX_LISTED_TOOLS = 30;

const listed = (names: readonly string[]): string =>
  names.length <= MAX_LISTED_TOOLS
    ? names.join(', ')
    : `${names.slice(0, MAX_LISTED_TOOLS).join(', ')} and ${names.length - MAX_LISTED_TOOLS} more`;

/** An MCP server's tools in the report: their count and names. */
const describeTools = (count: number, names: readonly string[] | undefined): string =>
  names === undefined || names.length === 0 ? `${count} tools` : `${count} tools: ${listed(names)}`;

function warnAboutSubprocessSessions(logger: Logger, sessions: SubprocessSessions | undefined): void {
  if (sessions === 'one-at-a-time') {
    logger.warn(
      'code execution: the unsandboxed subprocess backend serves one session at a time, others get' +
        ' backend_unavailable; run the gateway as root (each session then gets a user of its own),' +
        ' install bubblewrap or Docker, or set codeExecution.allowSharedSubprocessSandbox: true to let' +
        " sessions share it and read each other's work dirs",
    );
  } else if (sessions === 'shared') {
    logger.warn(
      "code execution: every session's code runs as the gateway's user on the unsandboxed subprocess" +
        " backend and can read and change the other sessions' work dirs (allowSharedSubprocessSandbox)",
    );
  }
}

/**
 * Logs what an operator needs at start-up, one `info` line (`agent ready`): provider and
 * credential mode, model(s), the fallback chain, store, code-execution backend and why, MCP servers with their tool
 * counts or failures, limits in force (the time limits with their effective values in ms, so that
 * a value typed in seconds shows). A missing credential is a `warn` line naming the
 * variable looked for, because every chat then gets the stub reply.
 */
export function reportStartup(logger: Logger, facts: StartupFacts): void {
  const missing = describeMissingCredential(facts.provider, 'every chat');
  if (missing !== undefined) logger.warn(missing, { provider: facts.provider.name });
  const credential = missing === undefined;
  warnAboutSubprocessSessions(logger, facts.codeExecution?.subprocessSessions);
  const limits: Record<string, unknown> = {
    maxTurns: facts.maxTurns,
    maxBudgetUsd: facts.maxBudgetUsd,
    maxConcurrentRuns: facts.server.maxConcurrentRuns,
    maxRunsPerApiKey: facts.server.maxRunsPerApiKey,
    maxPendingAnswersPerApiKey: facts.server.maxPendingAnswersPerApiKey,
    maxSessions: facts.server.maxSessions,
    sessionRateLimit: facts.server.sessionRateLimit,
    maxBodyBytes: facts.server.maxBodyBytes,
    rateLimit: facts.server.rateLimit,
    threadRetentionMs: facts.server.threadRetentionMs,
    ...facts.timeouts,
  };
  logger.info('agent ready', {
    provider: facts.provider.name,
    credential: credential ? 'configured' : 'none (stub replies)',
    model: facts.model,
    ...(facts.allowedModels.size > 1 ? { models: [...facts.allowedModels] } : {}),
    ...(facts.fallback === undefined || facts.fallback.length === 0
      ? {}
      : { fallback: describeFallback(facts.provider, facts.fallback) }),
    store: describeStore(facts.server.store),
    ...(facts.server.database === undefined ? {} : { database: describeDatabase(facts.server.database) }),
    ...(facts.server.a2a === undefined || facts.server.a2a === false
      ? {}
      : {
          a2a: `POST ${normalizePrefix(facts.server.prefix ?? '/api')}/a2a, agent card at /.well-known/agent-card.json`,
        }),
    ...(facts.server.mcp === undefined || facts.server.mcp === false
      ? {}
      : {
          mcpServer: `${normalizePrefix(facts.server.prefix ?? '/api')}/mcp (Streamable HTTP, MCP 2025-11-25 and 2026-07-28)`,
        }),
    ...(facts.codeExecution === undefined
      ? {}
      : { codeExecution: describeCodeExecution(facts.codeExecution) }),
    ...(facts.codeExecution?.subprocessSessions === undefined
      ? {}
      : { subprocessSessions: SUBPROCESS_SESSIONS[facts.codeExecution.subprocessSessions] }),
    ...(facts.tools === undefined || facts.tools.length === 0 ? {} : { tools: listed(facts.tools) }),
    ...(facts.mcp === undefined
      ? {}
      : {
          mcp: Object.fromEntries(
            Object.entries(facts.mcp).map(([server, status]) => [
              server,
              status.state === 'connected' || status.lastError === null
                ? describeTools(status.toolCount, facts.mcpTools?.[server])
                : `failed: ${status.lastError}`,
            ]),
          ),
        }),
    limits: Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)),
  });
}
