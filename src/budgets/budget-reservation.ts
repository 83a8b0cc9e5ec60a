import type { BudgetCounterStore } from '../core/budget-counter-store.js';
import type { BudgetReservation, BudgetStanding, ModelCallCharge } from '../core/budget-gate.js';
import type { BudgetGateOptions } from './create-budget-gate.js';

/**
 * The reservation of an admitted `charge` on `store`: its settle prices the usage and moves the
 * hold to that cost (once: `onSettled` hears of the settle that did it), its release gives the
 * hold back. Failures are reported, never thrown: the hold then waits for its lease to end.
 */
export function reservationOn(
  options: Pick<BudgetGateOptions, 'prices' | 'onSettled' | 'onError'>,
  now: () => number,
  charge: ModelCallCharge,
  standing: BudgetStanding | undefined,
  store: BudgetCounterStore,
): BudgetReservation {
  return {
    callId: charge.callId,
    standing,
    async settle(usage, signal) {
      const cost = options.prices.costOf(charge.provider, charge.model, usage);
      const settled = {
        costMicros: cost?.microUsd ?? 0,
        usage: {
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          cacheReadTokens: usage.cacheReadTokens,
          cacheCreationTokens: usage.cacheCreationTokens,
        },
        priceVersion: cost?.priceVersion ?? 'unpriced',
        at: now(),
      };
      try {
        const decided = store.immediate?.settle(charge.callId, settled);
        const done = decided ?? (await store.settle(charge.callId, settled, signal));
        if (done) options.onSettled?.(charge, settled.costMicros);
      } catch (error) {
        // The hold stays until its lease ends; then a sweep charges it its worst case.
        options.onError(error, `budget settle of call ${charge.callId}`);
      }
    },
    async release(signal) {
      try {
        if (store.immediate?.release(charge.callId) !== undefined) return;
        await store.release(charge.callId, signal);
      } catch (error) {
        options.onError(error, `budget release of call ${charge.callId}`);
      }
    },
  };
}
