import { describe, expect, it } from 'vitest';
import { HttpError } from '../../core/http-error.js';
import { createMemorySlotCounter } from '../../stores/memory/memory-slot-counter.js';
import { createRunCaps, type RunSlot } from './run-caps.js';
import {
  admitReserved,
  createRunIdReservations,
  RUN_ID_DRAWS,
  RUN_ID_GRACE_MS,
  type RunIdReservation,
} from './run-id-reservations.js';

/** A generator that hands out `ids` in order, then fails the test if asked again. */
function drawing(...ids: string[]): () => string {
  return () => {
    const id = ids.shift();
    if (id === undefined) throw new Error('drew more ids than scripted');
    return id;
  };
}

const report = (error: unknown): void => {
  throw error;
};

/** The reservation, whether it was answered at once or later. */
const reserved = (value: RunIdReservation | Promise<RunIdReservation>) => Promise.resolve(value);

describe('createRunIdReservations', () => {
  it('draws again when a live run of this process holds the id drawn', () => {
    const reservations = createRunIdReservations({ draw: drawing('a', 'a', 'b'), shared: undefined, report });
    const first = reservations.reserve('session-1');
    const second = reservations.reserve('session-2');
    expect(first).not.toBeInstanceOf(Promise);
    expect([(first as RunIdReservation).runId, (second as RunIdReservation).runId]).toEqual(['a', 'b']);
  });

  it('keeps an id its run gave back taken for the grace period, then lets it be drawn again', () => {
    const clock = { now: 0 };
    const reservations = createRunIdReservations({
      draw: drawing('a', 'a', 'b', 'a'),
      shared: undefined,
      report,
      now: () => clock.now,
    });
    const first = reservations.reserve('session-1') as RunIdReservation;
    expect(first.release()).toBeUndefined();
    expect(first.release()).toBeUndefined();
    clock.now = RUN_ID_GRACE_MS - 1;
    // Drawn again within the grace period: taken still, so 'b' is drawn.
    expect((reservations.reserve('session-2') as RunIdReservation).runId).toBe('b');
    clock.now = RUN_ID_GRACE_MS;
    expect((reservations.reserve('session-3') as RunIdReservation).runId).toBe('a');
  });

  it('refuses the start with 409 run_id_in_use when every draw is taken', () => {
    const ids = Array.from({ length: RUN_ID_DRAWS + 1 }, () => 'a');
    const reservations = createRunIdReservations({ draw: drawing(...ids), shared: undefined, report });
    expect(reservations.reserve('session-1')).toMatchObject({ runId: 'a' });
    let refusal: unknown;
    try {
      void reservations.reserve('session-2');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(HttpError);
    expect(refusal).toMatchObject({ status: 409, body: { code: 'run_id_in_use' } });
  });

  it('draws again when another instance holds the id in the shared store', async () => {
    const shared = createMemorySlotCounter();
    const instanceA = createRunIdReservations({ draw: drawing('a'), shared, report });
    const instanceB = createRunIdReservations({ draw: drawing('a', 'b'), shared, report });
    const onA = await reserved(instanceA.reserve('session-1'));
    const onB = await reserved(instanceB.reserve('session-2'));
    expect([onA.runId, onB.runId]).toEqual(['a', 'b']);
    expect(await shared.holders('a')).toHaveLength(1);
  });

  it('keeps a handed-over run’s id taken in the shared store, and a released one for the grace period', async () => {
    const clock = { now: 0 };
    const shared = createMemorySlotCounter({ now: () => clock.now });
    const instanceA = createRunIdReservations({ draw: drawing('a', 'b'), shared, report });
    const instanceB = createRunIdReservations({ draw: drawing('b', 'c', 'b'), shared, report });
    const handedOver = await reserved(instanceA.reserve('session-1'));
    const ended = await reserved(instanceA.reserve('session-2'));
    handedOver.standDown();
    await ended.release();
    expect(await shared.count('a')).toBe(1);
    // The ended run's id, drawn on another instance within the grace period: drawn again.
    expect((await reserved(instanceB.reserve('session-3'))).runId).toBe('c');
    clock.now = RUN_ID_GRACE_MS;
    expect(await shared.count('a')).toBe(1);
    expect((await reserved(instanceB.reserve('session-4'))).runId).toBe('b');
  });

  it('holds an id drawn before (a queued run taken over): a draw of it is refused here and on other instances', async () => {
    const shared = createMemorySlotCounter();
    const here = createRunIdReservations({ draw: drawing('q', 'r'), shared, report });
    const other = createRunIdReservations({ draw: drawing('q', 's'), shared, report });
    const held = await reserved(here.hold('q', 'session-1'));
    expect(held.runId).toBe('q');
    expect((await reserved(here.reserve('session-2'))).runId).toBe('r');
    expect((await reserved(other.reserve('session-3'))).runId).toBe('s');
  });

  it('holds an id another instance keeps without taking it from it, and gives back only its own', async () => {
    const shared = createMemorySlotCounter();
    const queuedOn = createRunIdReservations({ draw: drawing('q'), shared, report });
    const takenOverBy = createRunIdReservations({ draw: drawing('q', 'r'), shared, report });
    const queued = await reserved(queuedOn.reserve('session-1'));
    // The instance that queued it closes: its reservation stays in the shared store.
    queued.standDown();
    const held = await reserved(takenOverBy.hold('q', 'session-1'));
    expect((await reserved(takenOverBy.reserve('session-2'))).runId).toBe('r');
    await held.release();
    expect(await shared.holders('q')).toHaveLength(1);
  });

  it('holds an id without a shared store: refused to a draw until it is given back and has cooled', () => {
    const clock = { now: 0 };
    const reservations = createRunIdReservations({
      draw: drawing('q', 'r', 'q'),
      shared: undefined,
      report,
      now: () => clock.now,
    });
    const held = reservations.hold('q', 'session-1') as RunIdReservation;
    expect((reservations.reserve('session-2') as RunIdReservation).runId).toBe('r');
    expect(held.release()).toBeUndefined();
    clock.now = RUN_ID_GRACE_MS;
    expect((reservations.reserve('session-3') as RunIdReservation).runId).toBe('q');
  });

  it('gives the id back when the caps refuse the run', () => {
    const caps = createRunCaps({
      runs: createMemorySlotCounter(),
      pendingAnswers: createMemorySlotCounter(),
      maxRunsPerApiKey: 1,
      maxPendingAnswersPerApiKey: 1,
      maxPendingAnswersPerSession: 1,
      report,
    });
    const clock = { now: 0 };
    const reservations = createRunIdReservations({
      draw: drawing('a', 'b', 'b'),
      shared: undefined,
      report,
      now: () => clock.now,
    });
    const reserve = (session: string) => reservations.reserve(session) as RunIdReservation;
    const admit = (session: string, reservation: RunIdReservation): RunSlot =>
      admitReserved(
        caps,
        { runId: reservation.runId, sessionId: session, apiKeyHash: 'key' },
        reservation,
      ) as RunSlot;
    const running = admit('session-1', reserve('session-1'));
    expect(() => admit('session-2', reserve('session-2'))).toThrow(HttpError);
    // 'b' was given back: it is drawn again once its grace period ended.
    clock.now = RUN_ID_GRACE_MS;
    expect(reserve('session-3').runId).toBe('b');
    expect(running.release()).toBeUndefined();
  });
});
