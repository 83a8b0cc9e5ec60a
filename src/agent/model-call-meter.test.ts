import { describe, expect, it } from 'vitest';
import type { BudgetGate, BudgetReservation } from '../core/budget-gate.js';
import { ModelCallMeter } from './model-call-meter.js';

/** A gate whose reservations record when their call was readied (`beforeCall`). */
function recordingGate(readied: string[]): {
  gate: BudgetGate;
  reservationOf: (callId: string) => BudgetReservation;
} {
  const reservationOf = (callId: string): BudgetReservation => ({
    callId,
    standing: undefined,
    settle: async () => {},
    release: async () => {},
    beforeCall: () => {
      readied.push(callId);
    },
  });
  return {
    reservationOf,
    gate: {
      reserve: (charge) => Promise.resolve({ admitted: true, reservation: reservationOf(charge.callId) }),
      close: async () => {},
    },
  };
}

const call = {
  label: 't1m0',
  provider: 'test',
  request: { model: 'metered', system: 'You answer.', messages: [], tools: [], maxTokens: 100 },
};

describe('ModelCallMeter', () => {
  it('readies every admitted call for sending before it answers, the pre-admitted one included', async () => {
    const readied: string[] = [];
    const { gate, reservationOf } = recordingGate(readied);
    const meter = new ModelCallMeter(
      { gate, payer: { tenant: 'acme' }, admitted: reservationOf('run_1:first') },
      'run_1',
      () => {},
    );
    const first = await meter.admit(call);
    expect(first.admitted && first.reservation.callId).toBe('run_1:first');
    expect(readied).toEqual(['run_1:first']);
    const second = await meter.admit({ ...call, label: 't2m0' });
    expect(second.admitted).toBe(true);
    expect(readied).toHaveLength(2);
    expect(readied[1]).toMatch(/^run_1:.+:t2m0$/);
  });

  it('refuses a call whose reservation cannot be written before it is sent, as a store that failed', async () => {
    const reported: unknown[] = [];
    const gate: BudgetGate = {
      reserve: (charge) =>
        Promise.resolve({
          admitted: true,
          reservation: {
            callId: charge.callId,
            standing: undefined,
            settle: async () => {},
            release: async () => {},
            beforeCall: () => {
              throw new Error('ENOSPC: no space left on device');
            },
          },
        }),
      close: async () => {},
    };
    const meter = new ModelCallMeter({ gate, payer: {} }, 'run_2', (error) => reported.push(error));
    const admission = await meter.admit(call);
    expect(admission).toMatchObject({
      admitted: false,
      refusal: { code: 'budget_store_unavailable', status: 503 },
    });
    expect(reported).toHaveLength(1);
  });
});
