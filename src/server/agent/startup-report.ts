import type { Logger } from '../../core/logger.js';
import type { Provider } from '../../core/provider.js';
import { providerDisplayName } from '../../agent/stub-reply.js';
import type { CodeExecutionProbe } from '../../tools/code-execution/backend-selector.js';
import type { McpServerStatus } from '../../tools/mcp/mcp-server-supervisor.js';
import type { ServerSpec } from '../server-spec.js';

/** The variable each built-in provider reads its credential from. */
const CREDENTIAL_VARIABLES: Readonly<Record<string, string>> = {
  anthropic: 'ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN)',
  openai: 'OPENAI_API_KEY',
};

/** What `createAgent` knows about itself once its MCP servers and sandboxes are up. */
export interface StartupFacts {
  provider: Provider;
  model: string;
  allowedModels: ReadonlySet<string>;
  server: ServerSpec;
  maxTurns: number | undefined;
  maxBudgetUsd: number | undefined;
  codeExecution: CodeExecutionProbe | undefined;
  mcp: Record<string, McpServerStatus> | undefined;
}

const describeStore = (store: ServerSpec['store']): string =>
  store === undefined || store === 'memory'
    ? 'memory (this process only)'
    : typeof store === 'object' && 'redis' in store
      ? 'redis'
      : 'custom stores';

const describeCodeExecution = (probe: CodeExecutionProbe): string => {
  const reasons = Object.entries(probe.backends)
    .filter(([, result]) => !result.available)
    .map(([name, result]) => `${name}: ${result.reason ?? 'unavailable'}`);
  const chosen = probe.auto === null ? 'no backend available' : `auto runs on ${probe.auto}`;
  return reasons.length === 0 ? chosen : `${chosen} (${reasons.join('; ')})`;
};

/**
 * Logs what an operator needs at start-up, one `info` line (`agent ready`): provider and
 * credential mode, model(s), store, code-execution backend and why, MCP servers with their tool
 * counts or failures, limits in force. A missing credential is a `warn` line naming the
 * variable looked for, because every chat then gets the stub reply.
 */
export function reportStartup(logger: Logger, facts: StartupFacts): void {
  const name = providerDisplayName(facts.provider.name);
  const credential = safeHasCredential(facts.provider);
  if (!credential) {
    const variable = CREDENTIAL_VARIABLES[facts.provider.name];
    logger.warn(
      `no ${name} credential: every chat gets a stub reply` +
        (variable === undefined ? '' : `; set ${variable} or pass apiKey`),
      { provider: facts.provider.name },
    );
  }
  const limits: Record<string, unknown> = {
    maxTurns: facts.maxTurns,
    maxBudgetUsd: facts.maxBudgetUsd,
    maxConcurrentRuns: facts.server.maxConcurrentRuns,
    maxRunsPerApiKey: facts.server.maxRunsPerApiKey,
    maxParkedCallsPerApiKey: facts.server.maxParkedCallsPerApiKey,
    maxSessions: facts.server.maxSessions,
    sessionRateLimit: facts.server.sessionRateLimit,
    maxBodyBytes: facts.server.maxBodyBytes,
    rateLimit: facts.server.rateLimit,
  };
  logger.info('agent ready', {
    provider: facts.provider.name,
    credential: credential ? 'configured' : 'none (stub replies)',
    model: facts.model,
    ...(facts.allowedModels.size > 1 ? { models: [...facts.allowedModels] } : {}),
    store: describeStore(facts.server.store),
    ...(facts.codeExecution === undefined
      ? {}
      : { codeExecution: describeCodeExecution(facts.codeExecution) }),
    ...(facts.mcp === undefined
      ? {}
      : {
          mcp: Object.fromEntries(
            Object.entries(facts.mcp).map(([server, status]) => [
              server,
              status.state === 'connected' || status.lastError === null
                ? `${status.toolCount} tools`
                : `failed: ${status.lastError}`,
            ]),
          ),
        }),
    limits: Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)),
  });
}

function safeHasCredential(provider: Provider): boolean {
  try {
    return provider.hasCredential();
  } catch {
    return false;
  }
}
