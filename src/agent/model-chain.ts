import type { ModelInfo, Provider, ThinkingLevel } from '../core/provider.js';
import type { AgentLoopConfig } from './agent-loop-settings.js';
import type { FallbackReason } from './fallback-reason.js';

/** One model a turn may run on: the run's own first, then the `fallback` entries in order. */
export interface ModelCandidate {
  provider: Provider;
  model: string;
  /** Facts and prices of the model (usage is priced per model). */
  info: ModelInfo;
  thinking: ThinkingLevel;
  /** The failures of an earlier model this one takes over (empty for the run's own model). */
  when: ReadonlySet<FallbackReason>;
}

/** Reasoning level for a model: 'high' when asked for, supported and the output budget allows. */
export function thinkingFor(
  config: Pick<AgentLoopConfig, 'thinking' | 'maxTokens'>,
  info: ModelInfo,
): ThinkingLevel {
  return config.thinking && config.maxTokens >= 2048 && info.supportsThinking ? 'high' : 'none';
}

/** The run's own model takes over from no other (one set for every run: nothing adds to it). */
const TAKES_NOTHING_OVER: ReadonlySet<FallbackReason> = new Set();

const hasCredential = (provider: Provider): boolean => {
  try {
    return provider.hasCredential();
  } catch {
    return false;
  }
};

/**
 * The models one run may use, in order: `model` on the loop's provider, then each `fallback`
 * entry, without repeats of a provider and model already listed and without entries whose
 * provider has no credential (they could only fail). `getModelInfo` throws for a model a
 * provider rejects; the first model's failure is the run's to report.
 */
export function modelChainOf(config: AgentLoopConfig, model: string): ModelCandidate[] {
  const primaryInfo = config.provider.getModelInfo(model);
  const chain: ModelCandidate[] = [
    {
      provider: config.provider,
      model,
      info: primaryInfo,
      thinking: thinkingFor(config, primaryInfo),
      when: TAKES_NOTHING_OVER,
    },
  ];
  for (const entry of config.fallback) {
    const provider = entry.provider ?? config.provider;
    const listed = chain.some(
      (candidate) => candidate.provider === provider && candidate.model === entry.model,
    );
    if (listed || !hasCredential(provider)) continue;
    const info = provider.getModelInfo(entry.model);
    chain.push({
      provider,
      model: entry.model,
      info,
      thinking: thinkingFor(config, info),
      when: new Set(entry.when),
    });
  }
  return chain;
}

/**
 * The index of the candidate after `index` that takes over for `reason` (any candidate takes
 * over a model skipped because its circuit is open), or undefined when none does.
 */
export function nextCandidateFor(
  chain: readonly ModelCandidate[],
  index: number,
  reason: FallbackReason | 'circuit_open',
): number | undefined {
  for (let next = index + 1; next < chain.length; next += 1) {
    const candidate = chain[next];
    if (candidate !== undefined && (reason === 'circuit_open' || candidate.when.has(reason))) return next;
  }
  return undefined;
}
