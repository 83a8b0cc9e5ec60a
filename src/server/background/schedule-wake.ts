import { BusChannel, type MessageBus, type Unsubscribe } from '../../core/message-bus.js';
import type { ScheduleFirer } from './schedule-firer.js';

/** Options of `createScheduleWake`. */
export interface ScheduleWakeOptions {
  firer: Pick<ScheduleFirer, 'wake'>;
  /** The bus between instances (in memory: this instance only). */
  bus: MessageBus;
  report: (error: unknown, where: string) => void;
}

/** Tells every instance's firer when a schedule comes due (see `createScheduleWake`). */
export interface ScheduleWake {
  /**
   * A schedule was created, enabled or re-timed to fire at `dueAt`: this instance's firer is
   * woken for it at once, the others over the bus. Never rejects; a failed publish is reported
   * (the others then find the fire at their next poll).
   */
  scheduleDue(dueAt: number): void;
  /** Listens for the other instances' schedules (idempotent). */
  start(): void;
  /** Stops listening. Idempotent. */
  close(): Promise<void>;
}

/** The `dueAt` of a `scheduleDue` payload, or undefined when it is not one. */
const dueAtOf = (payload: unknown): number | undefined => {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const dueAt: unknown = Reflect.get(payload, 'dueAt');
  return typeof dueAt === 'number' && Number.isFinite(dueAt) ? dueAt : undefined;
};

/**
 * Wakes the schedule firers of every instance for a schedule's next fire: an idle cluster fires a
 * new schedule when it is due, whichever instance took the request. The instance that wrote the
 * schedule wakes its own firer directly, so a bus that is down delays only the others, and only
 * to their next poll.
 */
export function createScheduleWake(options: ScheduleWakeOptions): ScheduleWake {
  const { firer, bus, report } = options;
  let subscription: Promise<Unsubscribe | undefined> | undefined;
  let closing: Promise<void> | undefined;
  return {
    scheduleDue(dueAt) {
      firer.wake(dueAt);
      bus
        .publish(BusChannel.scheduleDue(), { dueAt })
        .catch((error: unknown) => report(error, 'schedule wake'));
    },
    start() {
      if (subscription !== undefined || closing !== undefined) return;
      subscription = bus
        .subscribe(BusChannel.scheduleDue(), (payload) => {
          const dueAt = dueAtOf(payload);
          if (dueAt !== undefined) firer.wake(dueAt);
        })
        .catch((error: unknown) => {
          report(error, 'schedule wake subscription');
          return undefined;
        });
    },
    close() {
      closing ??= (async () => {
        await (
          await subscription
        )?.();
      })();
      return closing;
    },
  };
}
