import { GatewayError } from '../core/errors.js';
import type { CompactionSettings, Provider } from '../core/provider.js';
import type { AgentSpec } from './agent-spec.js';

/** Providers known to have no server-side compaction. */
const WITHOUT_SERVER_COMPACTION: ReadonlySet<string> = new Set(['openai']);

/**
 * The runner's `compaction` setting from a spec's `compactionTrigger` and
 * `compactionInstructions`, as a spread-ready object. Refuses instructions without a trigger,
 * and a trigger for a provider known to have no server-side compaction (client-side
 * compaction for those is not built yet); a custom provider receives the setting in its
 * requests (`ProviderRequest.compaction`).
 */
export function compactionOf(
  spec: Pick<AgentSpec, 'compactionTrigger' | 'compactionInstructions'>,
  provider: Provider,
  caller: string,
): { compaction?: CompactionSettings } {
  if (spec.compactionTrigger === undefined) {
    if (spec.compactionInstructions !== undefined) {
      throw new GatewayError(
        'invalid_option',
        `${caller}: compactionInstructions needs compactionTrigger (the input tokens that start a compaction)`,
      );
    }
    return {};
  }
  if (WITHOUT_SERVER_COMPACTION.has(provider.name)) {
    throw new GatewayError(
      'invalid_option',
      `${caller}: compactionTrigger needs server-side compaction, which the ${provider.name} provider does not have; ` +
        'use the anthropic provider, or leave compaction off',
    );
  }
  return {
    compaction: {
      trigger: spec.compactionTrigger,
      ...(spec.compactionInstructions === undefined ? {} : { instructions: spec.compactionInstructions }),
    },
  };
}
