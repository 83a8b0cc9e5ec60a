import { describe, expect, it } from 'vitest';
import { HttpError } from '../../core/http-error.js';
import { createMemorySlotCounter } from '../../stores/memory/memory-slot-counter.js';
import { createRunCaps, type RunSlot } from './run-caps.js';
import {
  admitReserved,
  createRunIdReservations,
  RUN_ID_DRAWS,
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

  it('lets an id be drawn again once its run gave it back', () => {
    const reservations = createRunIdReservations({ draw: drawing('a', 'a'), shared: undefined, report });
    const first = reservations.reserve('session-1') as RunIdReservation;
    expect(first.release()).toBeUndefined();
    expect(first.release()).toBeUndefined();
    expect((reservations.reserve('session-2') as RunIdReservation).runId).toBe('a');
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

  it('keeps a handed-over run’s id taken in the shared store, and frees a released one', async () => {
    const shared = createMemorySlotCounter();
    const reservations = createRunIdReservations({ draw: drawing('a', 'b'), shared, report });
    const handedOver = await reserved(reservations.reserve('session-1'));
    const ended = await reserved(reservations.reserve('session-2'));
    handedOver.standDown();
    await ended.release();
    expect(await shared.count('a')).toBe(1);
    expect(await shared.count('b')).toBe(0);
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
    const reservations = createRunIdReservations({ draw: drawing('a', 'b', 'b'), shared: undefined, report });
    const reserve = (session: string) => reservations.reserve(session) as RunIdReservation;
    const admit = (session: string, reservation: RunIdReservation): RunSlot =>
      admitReserved(
        caps,
        { runId: reservation.runId, sessionId: session, apiKeyHash: 'key' },
        reservation,
      ) as RunSlot;
    const running = admit('session-1', reserve('session-1'));
    expect(() => admit('session-2', reserve('session-2'))).toThrow(HttpError);
    // 'b' was given back: it is drawn again at once.
    expect(reserve('session-3').runId).toBe('b');
    expect(running.release()).toBeUndefined();
  });
});
