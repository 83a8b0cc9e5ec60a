import type { BudgetRefusal } from '../core/budget-gate.js';
import type { GatewayEvent } from '../core/events.js';

/**
 * Tells the client why the run's next model call was refused, and says how the run ends: a
 * budget at its limit ends it `budget_exceeded` (a `budget_exceeded` event and a notice in the
 * text; the run then completes with what it did so far), any other refusal (the budget store
 * down, a model without a price) ends it in error with the refusal's code.
 */
export function announceRefusal(
  refusal: BudgetRefusal,
  emit: (event: GatewayEvent) => void,
): { outcome: 'budget_exceeded' } | { outcome: 'error'; code: string; message: string } {
  if (refusal.code !== 'budget_exceeded') {
    emit({ type: 'error', error: refusal.message, code: refusal.code });
    return { outcome: 'error', code: refusal.code, message: refusal.message };
  }
  const spent = refusal.spentUsd ?? 0;
  const limit = refusal.limitUsd ?? 0;
  const event: GatewayEvent = { type: 'budget_exceeded', total_cost: spent, budget: limit };
  if (refusal.scope !== undefined) event.scope = refusal.scope;
  if (refusal.resetsAt !== undefined) event.resets_at = refusal.resetsAt;
  emit(event);
  const scope = refusal.scope === undefined ? '' : ` (${refusal.scope})`;
  emit({
    type: 'text_delta',
    text: `\n\n[Budget limit reached${scope}: $${spent.toFixed(4)} of $${limit.toFixed(4)}]`,
  });
  return { outcome: 'budget_exceeded' };
}
