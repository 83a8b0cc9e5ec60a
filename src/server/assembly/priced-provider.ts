import type { Provider } from '../../core/provider.js';
import type { PriceResolver } from '../../budgets/price-resolver.js';

/**
 * `provider` with its models priced by `prices` first: a model `server.prices` names gets those
 * rates in its model info, so a run's `estimated_cost` (and `maxBudgetUsd`) counts it at the
 * price the budgets' ledger charges. The provider itself is returned when no override applies to
 * any model (nothing to change, and no extra call per model lookup).
 */
export function pricedProvider(provider: Provider, prices: PriceResolver, hasOverrides: boolean): Provider {
  if (!hasOverrides) return provider;
  const priced: Provider = {
    name: provider.name,
    hasCredential: () => provider.hasCredential(),
    getModelInfo(model) {
      const info = provider.getModelInfo(model);
      const rates = prices.overrideRatesOf(model);
      return rates === undefined ? info : { ...info, pricing: rates };
    },
    stream: (request, signal) => provider.stream(request, signal),
  };
  if (provider.close !== undefined) priced.close = () => provider.close?.() ?? Promise.resolve();
  return priced;
}
