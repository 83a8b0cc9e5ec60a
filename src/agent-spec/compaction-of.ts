import { z } from 'zod';
import type { LoopCompaction } from '../agent/agent-loop-settings.js';
import type { Provider } from '../core/provider.js';
import { compactionSpecSchema, type ParsedAgentSpec } from './agent-spec.js';
import { parseSpec } from './parse-spec.js';

/** Providers known to have no server-side compaction. */
const WITHOUT_SERVER_COMPACTION: ReadonlySet<string> = new Set(['openai']);

/**
 * The smallest trigger a provider's server-side compaction accepts, in input tokens (Anthropic
 * refuses a `compact_20260112` trigger below 50 000). Client-side compaction has no minimum.
 */
const SERVER_COMPACTION_MINIMUM: ReadonlyMap<string, number> = new Map([['anthropic', 50_000]]);

/**
 * The spec's `compaction` group as the provider can serve it: the mode defaults to `server`
 * where the provider compacts (Anthropic, and custom providers, which receive
 * `ProviderRequest.compaction`) and to `client` where it cannot (OpenAI); `server` is refused
 * for a provider without it, below its minimum trigger, and with a summary `model`.
 */
function compactionSchemaFor(providerName: string) {
  const serverless = WITHOUT_SERVER_COMPACTION.has(providerName);
  const minimum = SERVER_COMPACTION_MINIMUM.get(providerName);
  const group = compactionSpecSchema
    .transform((spec) => ({ ...spec, mode: spec.mode ?? (serverless ? 'client' : 'server') }))
    .superRefine((spec, context) => {
      if (spec.mode !== 'server') return;
      if (serverless) {
        context.addIssue({
          code: 'custom',
          path: ['mode'],
          message:
            `'server' needs server-side compaction, which the ${providerName} provider does not have; ` +
            "use mode: 'client' (or leave it out)",
        });
      }
      if (minimum !== undefined && spec.trigger < minimum) {
        context.addIssue({
          code: 'custom',
          path: ['trigger'],
          message:
            `${spec.trigger} is below the ${providerName} provider's minimum of ${minimum} input tokens ` +
            "for server-side compaction; raise it, or use mode: 'client'",
        });
      }
      if (spec.model !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['model'],
          message: "applies to mode: 'client' only (the provider picks its own)",
        });
      }
    });
  return z.strictObject({ compaction: group.optional() });
}

/**
 * The loop's `compaction` setting from a spec's `compaction` group, checked against the
 * provider that serves it (see `compactionSchemaFor`); undefined when the spec compacts never.
 */
export function compactionOf(
  compaction: ParsedAgentSpec['compaction'],
  provider: Provider,
  caller: string,
): LoopCompaction | undefined {
  return parseSpec(compactionSchemaFor(provider.name), { compaction }, caller).compaction;
}
