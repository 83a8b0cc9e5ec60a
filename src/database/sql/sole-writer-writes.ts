import type { CounterHold, CounterReservation, SettledCost } from '../../core/budget-counter-store.js';
import type { EndWrite, ReserveWrite } from './budget-lines.js';

/** A reservation's counter ids and their windows' ends, in the order of its holds. */
export interface HoldIds {
  counterIds: string[];
  windowEnds: Array<number | null>;
}

/**
 * The ids and window ends of each holds array seen: the gate gives the same frozen array to every
 * call of a payer in a window, so they are worked out once (the arrays are shared and never changed).
 */
const holdIds = new WeakMap<readonly CounterHold[], HoldIds>();

export const holdIdsOf = (holds: readonly CounterHold[]): HoldIds => {
  let ids = holdIds.get(holds);
  if (ids === undefined) {
    ids = {
      counterIds: holds.map((hold) => hold.counterId),
      windowEnds: holds.map((hold) => hold.windowEndsAt ?? null),
    };
    if (Object.isFrozen(holds)) {
      // Frozen too, so that what is made of them once (their journal and ledger text) stays true.
      Object.freeze(ids.counterIds);
      Object.freeze(ids.windowEnds);
      holdIds.set(holds, ids);
    }
  }
  return ids;
};

/** The write of `request`'s reservation: one flat object, only serialized (`budgetLineOf`). */
export const reserveWriteOf = (
  request: CounterReservation,
  { counterIds, windowEnds }: HoldIds,
): ReserveWrite => {
  const { entry } = request;
  return {
    kind: 'reserve',
    callId: request.callId,
    amountMicros: request.amountMicros,
    counterIds,
    windowEnds,
    leaseUntil: request.leaseUntil,
    runId: entry.runId,
    provider: entry.provider,
    model: entry.model,
    tenant: entry.payer.tenant,
    subject: entry.payer.subject,
    apiKeyId: entry.payer.apiKeyId,
  };
};

/** The write of `callId` ended at `cost`: one flat object, only serialized (`budgetLineOf`). */
export const endOf = (callId: string, cost: SettledCost, swept: boolean): EndWrite => ({
  kind: 'end',
  callId,
  costMicros: cost.costMicros,
  inputTokens: cost.usage.inputTokens,
  outputTokens: cost.usage.outputTokens,
  cacheReadTokens: cost.usage.cacheReadTokens,
  cacheCreationTokens: cost.usage.cacheCreationTokens,
  priceVersion: cost.priceVersion,
  at: cost.at,
  swept: swept ? true : undefined,
});
