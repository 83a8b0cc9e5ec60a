import { GatewayError } from '../core/errors.js';
import type { Provider } from '../core/provider.js';
import type { LoopCompaction } from '../agent/client-compaction.js';
import type { AgentSpec } from './agent-spec.js';

/** Providers known to have no server-side compaction. */
const WITHOUT_SERVER_COMPACTION: ReadonlySet<string> = new Set(['openai']);

/**
 * The smallest trigger a provider's server-side compaction accepts, in input tokens (Anthropic
 * refuses a `compact_20260112` trigger below 50 000). Client-side compaction has no minimum.
 */
const SERVER_COMPACTION_MINIMUM: ReadonlyMap<string, number> = new Map([['anthropic', 50_000]]);

type CompactionSpec = Pick<
  AgentSpec,
  'compactionTrigger' | 'compactionInstructions' | 'compaction' | 'compactionModel'
>;

const refuse = (caller: string, problem: string): GatewayError =>
  new GatewayError('invalid_option', `${caller}: ${problem}`);

/**
 * The runner's `compaction` setting from a spec's `compactionTrigger`,
 * `compactionInstructions`, `compaction` and `compactionModel`, as a spread-ready object. The
 * mode defaults to `server` where the provider compacts (Anthropic, and custom providers, which
 * receive `ProviderRequest.compaction`) and to `client` where it cannot (OpenAI). Refuses the
 * other options without a trigger, and `server` for a provider that has no server-side
 * compaction.
 */
export function compactionOf(
  spec: CompactionSpec,
  provider: Provider,
  caller: string,
): { compaction?: LoopCompaction } {
  if (spec.compactionTrigger === undefined) {
    for (const name of ['compactionInstructions', 'compaction', 'compactionModel'] as const) {
      if (spec[name] !== undefined) {
        throw refuse(caller, `${name} needs compactionTrigger (the input tokens that start a compaction)`);
      }
    }
    return {};
  }
  const serverless = WITHOUT_SERVER_COMPACTION.has(provider.name);
  const mode = spec.compaction ?? (serverless ? 'client' : 'server');
  if (mode === 'server' && serverless) {
    throw refuse(
      caller,
      `compaction: 'server' needs server-side compaction, which the ${provider.name} provider does not have; ` +
        "use compaction: 'client' (or leave it out)",
    );
  }
  const minimum = mode === 'server' ? SERVER_COMPACTION_MINIMUM.get(provider.name) : undefined;
  if (minimum !== undefined && spec.compactionTrigger < minimum) {
    throw refuse(
      caller,
      `compactionTrigger ${spec.compactionTrigger} is below the ${provider.name} provider's minimum of ` +
        `${minimum} input tokens for server-side compaction; raise it, or use compaction: 'client'`,
    );
  }
  if (mode === 'server' && spec.compactionModel !== undefined) {
    throw refuse(caller, "compactionModel applies to compaction: 'client' only (the provider picks its own)");
  }
  return {
    compaction: {
      mode,
      trigger: spec.compactionTrigger,
      ...(spec.compactionInstructions === undefined ? {} : { instructions: spec.compactionInstructions }),
      ...(spec.compactionModel === undefined ? {} : { model: spec.compactionModel }),
    },
  };
}
