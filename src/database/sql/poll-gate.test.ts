import { describe, expect, it } from 'vitest';
import { createPollGate, writing } from './poll-gate.js';

/** A gate over a settable clock and an `anyLeft` answer, counting how often it is asked. */
function gateWith(left: boolean | Error = false) {
  let time = 1_000;
  const state = { left, asked: 0 };
  const gate = createPollGate({
    anyLeft: () => {
      state.asked += 1;
      return state.left instanceof Error ? Promise.reject(state.left) : Promise.resolve(state.left);
    },
    now: () => time,
  });
  return { gate, state, advance: (ms: number) => (time += ms) };
}

describe('createPollGate', () => {
  it('closes once an empty round finds nothing left, and stays closed without a write', async () => {
    const { gate, state } = gateWith(false);
    expect(gate.passes()).toBe(true);
    await gate.polled(true);
    expect(state.asked).toBe(1);
    expect(gate.passes()).toBe(false);
  });

  it('stays open while rows are left, asking again only after the recheck interval', async () => {
    const { gate, state, advance } = gateWith(true);
    await gate.polled(true);
    await gate.polled(true);
    expect(state.asked).toBe(1);
    expect(gate.passes()).toBe(true);
    advance(10_000);
    state.left = false;
    await gate.polled(true);
    expect(state.asked).toBe(2);
    expect(gate.passes()).toBe(false);
  });

  it('does not ask after a round that found work, and asks again once rounds come back empty later', async () => {
    const { gate, state, advance } = gateWith(false);
    await gate.polled(false);
    await gate.polled(true);
    expect(state.asked).toBe(0);
    expect(gate.passes()).toBe(true);
    advance(10_000);
    await gate.polled(true);
    expect(state.asked).toBe(1);
    expect(gate.passes()).toBe(false);
  });

  it('opens again on a write, and asks at the next empty round', async () => {
    const { gate, state } = gateWith(false);
    await gate.polled(true);
    expect(gate.passes()).toBe(false);
    await writing(gate, () => Promise.resolve('written'));
    expect(gate.passes()).toBe(true);
    await gate.polled(true);
    expect(state.asked).toBe(2);
  });

  it('opens on a write that failed too (it may have committed before the error)', async () => {
    const { gate } = gateWith(false);
    await gate.polled(true);
    await expect(writing(gate, async () => Promise.reject(new Error('lost connection')))).rejects.toThrow(
      'lost connection',
    );
    expect(gate.passes()).toBe(true);
  });

  it('keeps the gate open when a write lands while the check is under way', async () => {
    let release: (left: boolean) => void = () => undefined;
    const gate = createPollGate({ anyLeft: () => new Promise<boolean>((resolve) => (release = resolve)) });
    const round = gate.polled(true);
    gate.wrote();
    release(false);
    await round;
    expect(gate.passes()).toBe(true);
  });

  it('lets one round through after closedForMs, as a backstop', async () => {
    const { gate, advance } = gateWith(false);
    await gate.polled(true);
    advance(59_999);
    expect(gate.passes()).toBe(false);
    advance(1);
    expect(gate.passes()).toBe(true);
  });

  it('stays open when the check fails, leaving the next round to meet the database', async () => {
    const { gate, state } = gateWith(new Error('store_unavailable'));
    await gate.polled(true);
    expect(state.asked).toBe(1);
    expect(gate.passes()).toBe(true);
  });
});
