import type { SlotCounter } from '../../core/slot-counter.js';
import type { GatewayStores } from '../../core/stores.js';
import { ChurnMap } from '../../core/churn-map.js';
import { runIdInUse } from '../threads/call-thread-store.js';
import type { RunCaps, RunOfKey, RunSlot } from './run-caps.js';

/**
 * How long a run id stays reserved in a shared store unless given back first: the run's life
 * on this instance, or at another that took it over (which reserves nothing). An instance that
 * dies leaves its reservations to lapse; by then the run's record guards the id.
 */
export const RUN_ID_RESERVATION_LEASE_MS = 86_400_000;

/**
 * Draws an id is tried this many times before the start is refused: a repeat of 96 random bits
 * twice in a row means the generator is broken (or forced, in a test), not unlucky.
 */
export const RUN_ID_DRAWS = 4;

/** A run id held for one run from its draw until the run ends. */
export interface RunIdReservation {
  readonly runId: string;
  /** Gives the id back (the run ended here or never started). Idempotent; never rejects. */
  release(): Promise<void> | undefined;
  /**
   * The run goes on at another instance: forgotten here, kept in the shared store until its
   * lease ends, so that the id stays taken while the run lives on.
   */
  standDown(): void;
}

/** Run ids reserved where they are drawn, so that no two live runs share one. */
export interface RunIdReservations {
  /**
   * Draws a run id and reserves it: in this process, and atomically in the shared store when
   * there is one, before the run starts. An id already reserved is drawn again; after
   * `RUN_ID_DRAWS` refusals the start is refused with 409 `run_id_in_use`. Answered at once
   * without a shared store.
   */
  reserve(holder: string): RunIdReservation | Promise<RunIdReservation>;
}

/** Options of `createRunIdReservations`. */
export interface RunIdReservationsOptions {
  /** Draws a new id (`newChatRunId` unless a test forces one: `server.drawRunId`). */
  draw: () => string;
  /** The slots shared by every instance (one per id, limit 1), when the stores are shared. */
  shared: SlotCounter | undefined;
  report: (error: unknown, where: string) => void;
}

/** The state every reservation of one `RunIdReservations` shares. */
interface ReservationState {
  readonly live: ChurnMap<string, string>;
  readonly shared: SlotCounter | undefined;
  readonly report: (error: unknown, where: string) => void;
}

/** One held id: its process entry, and its shared slot when there is one. */
class TakenRunId implements RunIdReservation {
  readonly runId: string;
  readonly #member: string;
  readonly #state: ReservationState;
  #ended = false;

  constructor(state: ReservationState, runId: string, member: string) {
    this.#state = state;
    this.runId = runId;
    this.#member = member;
  }

  release(): Promise<void> | undefined {
    if (!this.#forget()) return undefined;
    const { shared, report } = this.#state;
    return shared
      ?.release(this.runId, this.#member)
      .catch((error: unknown) => report(error, `run id ${this.runId} release`));
  }

  standDown(): void {
    this.#forget();
  }

  #forget(): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    if (this.#state.live.get(this.runId) === this.#member) this.#state.live.delete(this.runId);
    return true;
  }
}

/** A member unique to one reservation: its holder (a session) and a count of this process. */
let reservationCount = 0;

/** Creates the run id reservations (see `RunIdReservations`). */
export function createRunIdReservations(options: RunIdReservationsOptions): RunIdReservations {
  const { draw, shared, report } = options;
  const state: ReservationState = { live: new ChurnMap(), shared, report };

  /** Takes `runId` in this process: false when a live run of this process has it. */
  const takeHere = (runId: string, member: string): boolean => {
    if (state.live.has(runId)) return false;
    state.live.set(runId, member);
    return true;
  };

  const reserveShared = async (holder: string, counter: SlotCounter): Promise<RunIdReservation> => {
    for (let attempt = 0; attempt < RUN_ID_DRAWS; attempt += 1) {
      const runId = draw();
      const member = `${holder} ${(reservationCount += 1)}`;
      if (!takeHere(runId, member)) continue;
      const taken = await counter
        .acquire(runId, member, { limit: 1, leaseMs: RUN_ID_RESERVATION_LEASE_MS })
        .catch((error: unknown) => {
          state.live.delete(runId);
          throw error;
        });
      if (taken) return new TakenRunId(state, runId, member);
      state.live.delete(runId);
    }
    throw runIdInUse(undefined);
  };

  return {
    reserve(holder) {
      if (shared !== undefined) return reserveShared(holder, shared);
      for (let attempt = 0; attempt < RUN_ID_DRAWS; attempt += 1) {
        const runId = draw();
        const member = `${holder} ${(reservationCount += 1)}`;
        if (takeHere(runId, member)) return new TakenRunId(state, runId, member);
      }
      throw runIdInUse(undefined);
    },
  };
}

/** The app's reservations: over the stores' shared slot counters when they offer them. */
export function createAppRunIdReservations(settings: {
  stores: Pick<GatewayStores, 'createSlotCounter'>;
  draw: () => string;
  report: (error: unknown, where: string) => void;
}): RunIdReservations {
  return createRunIdReservations({
    draw: settings.draw,
    shared: settings.stores.createSlotCounter?.('run-ids'),
    report: settings.report,
  });
}

/**
 * `slot` holding `reservation` too: the run's id is given back where its slot is (the run ended
 * here) and forgotten where the slot stands down (the run goes on at another instance).
 */
export function withRunIdReservation(slot: RunSlot, reservation: RunIdReservation): RunSlot {
  return {
    countPendingAnswer: (toolCallId, waitMs) => slot.countPendingAnswer(toolCallId, waitMs),
    release() {
      const slotFreed = slot.release();
      const idFreed = reservation.release();
      if (slotFreed === undefined && idFreed === undefined) return undefined;
      return Promise.all([slotFreed, idFreed]).then(() => undefined);
    },
    standDown() {
      slot.standDown();
      reservation.standDown();
    },
  };
}

/**
 * Admits `run` (`RunCaps.admit`) under its reserved id: the slot it gets holds the id too, and
 * a refusal gives the id back. Answered at once when the caps answer at once.
 */
export function admitReserved(
  caps: RunCaps,
  run: RunOfKey,
  reservation: RunIdReservation | undefined,
): RunSlot | Promise<RunSlot> {
  if (reservation === undefined) return caps.admit(run);
  let admitting: RunSlot | Promise<RunSlot>;
  try {
    admitting = caps.admit(run);
  } catch (error) {
    void reservation.release();
    throw error;
  }
  if (!(admitting instanceof Promise)) return withRunIdReservation(admitting, reservation);
  return admitting.then(
    (slot) => withRunIdReservation(slot, reservation),
    async (error: unknown) => {
      await reservation.release();
      throw error;
    },
  );
}
