import type { AgentLoopSettings, FallbackModelSetting } from '../agent/agent-loop-settings.js';
import type { CircuitBreaker } from '../core/circuit-breaker.js';
import type { Logger } from '../core/logger.js';
import type { Provider } from '../core/provider.js';
import type { ParsedAgentSpec } from './agent-spec.js';
import { compactionOf } from './compaction-of.js';

/** What the agent loop needs besides the spec: what was resolved from it at start-up. */
export interface RunnerSettingsContext {
  /** The provider built from the spec's `provider`, `apiKey`, `providerConfig`... */
  provider: Provider;
  /** The spec's model, or the provider's default. */
  model: string;
  logger: Logger;
  /** The entry point, for errors: `createAgent`, `runAutonomous`. */
  caller: string;
  /** The tool-call limit when the spec sets none (code execution needs a longer one). */
  toolCallTimeoutMs?: number | undefined;
  /** Tools hidden from the model in every run (a headless run's `headless.excludedTools`). */
  excludedTools?: readonly string[] | undefined;
  /** The spec's `fallback`, resolved (`fallbackOf`). */
  fallback?: FallbackModelSetting[] | undefined;
  /** The agent's breaker, made from the spec's `circuitBreaker` and shared with its server. */
  circuitBreaker?: CircuitBreaker | undefined;
}

/**
 * The agent loop's settings from an agent spec: the one mapping from the public spec to
 * `createAgentLoop`, shared by the gateway and headless runs. Options the spec leaves out stay
 * out, so the loop's schema applies its defaults. Throws `GatewayError('invalid_option')` for a
 * `compaction` group the provider cannot serve.
 */
export function runnerSettingsOf(spec: ParsedAgentSpec, context: RunnerSettingsContext): AgentLoopSettings {
  const { provider, caller } = context;
  const hooks = spec.hooks ?? {};
  return {
    provider,
    model: context.model,
    logger: context.logger,
    maxTokens: spec.maxTokens,
    thinking: spec.thinking,
    maxTurns: spec.maxTurns,
    maxBudgetUsd: spec.maxBudgetUsd,
    turnTimeoutMs: spec.turnTimeoutMs,
    toolCallTimeoutMs: spec.toolCallTimeoutMs ?? context.toolCallTimeoutMs,
    maxConcurrentSubAgents: spec.skills?.maxConcurrent,
    excludedTools: context.excludedTools,
    compaction: compactionOf(spec.compaction, provider, caller),
    fallback: context.fallback,
    circuitBreaker: context.circuitBreaker,
    // The agent's name is the top-level loop's: sub-agents take their skill's.
    agentName: spec.tracing?.agentName,
    tracing: { captureContent: spec.tracing?.captureContent },
    onRunUsage: hooks.onRunUsage,
    onToolResult: hooks.onToolResult,
    onToolTiming: hooks.onToolTiming,
    onMaxTurns: hooks.onMaxTurns,
  };
}
