import type { AgentLoopSettings, FallbackModelSetting } from '../../agent/agent-loop-settings.js';
import { createAgentLoop, type AgentLoop } from '../../agent/create-agent-loop.js';
import { createCircuitBreaker } from '../../agent/create-circuit-breaker.js';
import type { CircuitBreaker } from '../../core/circuit-breaker.js';
import type { Logger } from '../../core/logger.js';
import type { Provider } from '../../core/provider.js';
import { fallbackOf } from '../../agent-spec/fallback-of.js';
import { findImplausibleDurations } from '../../agent-spec/implausible-durations.js';
import { runnerSettingsOf } from '../../agent-spec/runner-settings-of.js';
import type { CodeExecution } from '../../tools/code-execution/create-code-execution.js';
import type { ParsedAgentOptions } from '../contracts/create-agent-options.js';
import { toolTimeoutForCodeExecution } from './code-execution-setup.js';
import { describeModelMismatch, resolveAgentProvider } from './resolve-agent-provider.js';
import { createPriceResolver } from '../../budgets/price-resolver.js';
import { pricedProvider } from './priced-provider.js';

/** The models an agent runs on and the one loop that serves every chat. */
export interface AgentModels {
  provider: Provider;
  model: string;
  /** Models a request may choose; empty means any. */
  allowedModels: Set<string>;
  /** One breaker for the agent: its chats, sub-agents and summaries count failures together. */
  circuitBreaker: CircuitBreaker;
  fallback: FallbackModelSetting[];
  /** Providers made for `fallback` entries that named another provider (closed on shutdown). */
  createdProviders: Provider[];
  loopSettings: AgentLoopSettings;
  /** Its settings are checked once, when the agent is made, not per chat. */
  loop: AgentLoop;
}

/**
 * Resolves an agent's provider, model allow-list, fallback models and breaker, and makes its
 * loop. Called after every cheaper check (it builds the provider). Warns about a model that
 * looks like another provider's and about implausible durations.
 */
export function agentLoopOf(
  spec: ParsedAgentOptions,
  logger: Logger,
  codeExecution: CodeExecution | undefined,
): AgentModels {
  const { server } = spec;
  const resolved = resolveAgentProvider(spec, server.allowedModels);
  const { model, allowedModels, namedProvider } = resolved;
  // `server.prices` prices a run's `estimated_cost` as it prices the budgets' ledger.
  const prices = createPriceResolver(server.prices);
  const hasOverrides = Object.keys(server.prices).length > 0;
  const provider = pricedProvider(resolved.provider, prices, hasOverrides);
  const circuitBreaker = createCircuitBreaker({ ...spec.circuitBreaker, logger });
  const resolvedFallback = fallbackOf(spec, {
    provider,
    namedProvider,
    allowedModels: server.allowedModels === undefined ? undefined : allowedModels,
    caller: 'createAgent',
  });
  const { createdProviders } = resolvedFallback;
  const fallback = resolvedFallback.fallback.map((entry) => {
    if (entry.provider === undefined) return entry;
    const same = entry.provider === resolved.provider;
    return { ...entry, provider: same ? provider : pricedProvider(entry.provider, prices, hasOverrides) };
  });
  const loopSettings = runnerSettingsOf(spec, {
    provider,
    model,
    logger,
    caller: 'createAgent',
    fallback,
    circuitBreaker,
    // Code execution's own limit must fit inside a tool call's.
    toolCallTimeoutMs:
      codeExecution === undefined || spec.codeExecution === undefined
        ? undefined
        : toolTimeoutForCodeExecution(spec.codeExecution),
  });
  const mismatch = describeModelMismatch(namedProvider, model);
  if (mismatch !== undefined) logger.warn(mismatch, { model, provider: namedProvider });
  for (const { message, option, valueMs } of findImplausibleDurations(spec)) {
    logger.warn(message, { option, valueMs });
  }
  const loop = createAgentLoop(loopSettings);
  return { provider, model, allowedModels, circuitBreaker, fallback, createdProviders, loopSettings, loop };
}
