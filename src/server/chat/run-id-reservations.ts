import type { SlotCounter } from '../../core/slot-counter.js';
import type { GatewayStores } from '../../core/stores.js';
import { ChurnMap } from '../../core/churn-map.js';
import { runIdInUse } from '../threads/call-thread-store.js';
import type { RunCaps, RunOfKey, RunSlot } from './run-caps.js';
import type { ChatRun } from './chat-run.js';
import { RELEASED, ReleasedRunIds } from './released-run-ids.js';

/**
 * How long a run id stays reserved in a shared store unless given back first: the run's life
 * on this instance, or at another that took it over (which reserves nothing). An instance that
 * dies leaves its reservations to lapse; by then no instance draws an id of that time.
 */
export const RUN_ID_RESERVATION_LEASE_MS = 86_400_000;

/**
 * How long an id given back stays taken all the same. A drawn id carries its draw time (ms), so
 * it can only be drawn again in that millisecond, as another instance's clock reads it: the id
 * of a run that started and ended within it would otherwise be free for a draw that comes after,
 * on an instance whose clock is behind. A minute covers any two clocks kept by NTP.
 */
export const RUN_ID_GRACE_MS = 60_000;

/**
 * Draws an id is tried this many times before the start is refused: a repeat of 96 random bits
 * twice in a row means the generator is broken (or forced, in a test), not unlucky.
 */
export const RUN_ID_DRAWS = 4;

/** A run id held for one run from its draw until the run ends (and `RUN_ID_GRACE_MS` after). */
export interface RunIdReservation {
  readonly runId: string;
  /**
   * Gives the id back (the run ended here, never started, or left the queue for good): it stays
   * taken for `RUN_ID_GRACE_MS` more, then any draw may take it. Idempotent; never rejects.
   */
  release(): Promise<void> | undefined;
  /**
   * The run goes on at another instance: forgotten here, kept in the shared store until its
   * lease ends, so that the id stays taken while the run lives on.
   */
  standDown(): void;
}

/** Run ids reserved where they are drawn, so that no two runs share one. */
export interface RunIdReservations {
  /**
   * Draws a run id and reserves it: in this process, and atomically in the shared store when
   * there is one, before the run starts. An id already reserved is drawn again; after
   * `RUN_ID_DRAWS` refusals the start is refused with 409 `run_id_in_use`. Answered at once
   * without a shared store.
   */
  reserve(holder: string): RunIdReservation | Promise<RunIdReservation>;
  /**
   * Holds `runId`, drawn earlier (a queued run this instance takes over, from another instance
   * or from before a restart): takes it in this process and in the shared store wherever no one
   * holds it; where someone does (the instance that queued it), the id is reserved all the same,
   * and the reservation given back here is only what it took. Never refuses; a shared store that
   * fails is reported. Answered at once without a shared store.
   */
  hold(runId: string, holder: string): RunIdReservation | Promise<RunIdReservation>;
}

/** Options of `createRunIdReservations`. */
export interface RunIdReservationsOptions {
  /** Draws a new id (`newRunId` unless a test forces one: `server.drawRunId`). */
  draw: () => string;
  /** The slots shared by every instance (one per id, limit 1), when the stores are shared. */
  shared: SlotCounter | undefined;
  report: (error: unknown, where: string) => void;
  /** How long a given-back id stays taken (default `RUN_ID_GRACE_MS`). */
  graceMs?: number;
  /** This process's clock in ms for the grace periods kept here (default `performance.now`). */
  now?: () => number;
}

/** The state every reservation of one `RunIdReservations` shares. */
interface ReservationState {
  /** Ids taken in this process, by member (`RELEASED` while one cools, without a shared store). */
  readonly live: ChurnMap<string, string>;
  /** Without a shared store: where given-back ids cool. */
  readonly released: ReleasedRunIds | undefined;
  readonly shared: SlotCounter | undefined;
  readonly graceMs: number;
  readonly report: (error: unknown, where: string) => void;
}

/** One held id: its process entry, and its shared slot when it took one. */
class TakenRunId implements RunIdReservation {
  readonly runId: string;
  readonly #member: string;
  readonly #state: ReservationState;
  readonly #holdsShared: boolean;
  #ended = false;

  constructor(state: ReservationState, runId: string, member: string, holdsShared: boolean) {
    this.#state = state;
    this.runId = runId;
    this.#member = member;
    this.#holdsShared = holdsShared;
  }

  release(): Promise<void> | undefined {
    if (this.#ended) return undefined;
    this.#ended = true;
    const { live, released, shared, graceMs, report } = this.#state;
    if (live.get(this.runId) === this.#member) {
      if (released === undefined) live.delete(this.runId);
      else released.add(this.runId);
    }
    if (shared === undefined || !this.#holdsShared) return undefined;
    // Renewed for the grace period rather than removed: one round trip, as a removal.
    return shared
      .acquire(this.runId, this.#member, { limit: 1, leaseMs: graceMs })
      .then(() => undefined)
      .catch((error: unknown) => report(error, `run id ${this.runId} release`));
  }

  standDown(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#state.live.get(this.runId) === this.#member) this.#state.live.delete(this.runId);
  }
}

/** A member unique to one reservation: its holder (a session) and a count of this process. */
let reservationCount = 0;

/** Creates the run id reservations (see `RunIdReservations`). */
export function createRunIdReservations(options: RunIdReservationsOptions): RunIdReservations {
  const { draw, shared, report } = options;
  const graceMs = options.graceMs ?? RUN_ID_GRACE_MS;
  const live = new ChurnMap<string, string>();
  const released =
    shared === undefined
      ? new ReleasedRunIds(live, graceMs, options.now ?? (() => performance.now()))
      : undefined;
  const state: ReservationState = { live, released, shared, graceMs, report };

  /** Takes `runId` in this process: false when a run of this process has it (or it cools). */
  const takeHere = (runId: string, member: string): boolean => {
    if (live.has(runId)) return false;
    live.set(runId, member);
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
          live.delete(runId);
          throw error;
        });
      if (taken) return new TakenRunId(state, runId, member, true);
      live.delete(runId);
    }
    throw runIdInUse(undefined);
  };

  const holdShared = async (
    runId: string,
    member: string,
    counter: SlotCounter,
  ): Promise<RunIdReservation> => {
    const taken = await counter
      .acquire(runId, member, { limit: 1, leaseMs: RUN_ID_RESERVATION_LEASE_MS })
      .catch((error: unknown) => {
        report(error, `run id ${runId} hold`);
        return false;
      });
    return new TakenRunId(state, runId, member, taken);
  };

  return {
    reserve(holder) {
      if (shared !== undefined) return reserveShared(holder, shared);
      released?.sweep();
      for (let attempt = 0; attempt < RUN_ID_DRAWS; attempt += 1) {
        const runId = draw();
        const member = `${holder} ${(reservationCount += 1)}`;
        if (takeHere(runId, member)) return new TakenRunId(state, runId, member, false);
      }
      throw runIdInUse(undefined);
    },
    hold(runId, holder) {
      released?.sweep();
      const member = `${holder} ${(reservationCount += 1)}`;
      // Taken here unless a run of this process holds it (a cooling id is this run's own).
      const here = live.get(runId);
      if (here === undefined || here === RELEASED) live.set(runId, member);
      if (shared === undefined) return new TakenRunId(state, runId, member, false);
      return holdShared(runId, member, shared);
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
 * Keeps `reservation` as long as `run` (an id held before its run started: a queued run's):
 * given back once the run ended here, forgotten here when the run goes on at another instance.
 */
export function keepUntilRunEnds(
  run: Pick<ChatRun, 'onDone' | 'eventLog'>,
  reservation: RunIdReservation,
): void {
  run.onDone(() => {
    if (run.eventLog.abandoned) reservation.standDown();
    else void reservation.release();
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
