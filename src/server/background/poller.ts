/** Options of `createPoller`. */
export interface PollerOptions<Result> {
  /**
   * Milliseconds from the end of one tick (or from `start()`) to the next: a number, or a
   * function asked each time a timer is set (a firer that knows when its next fire is due).
   */
  intervalMs: number | (() => number);
  /**
   * One round of work. `signal` aborts when the poller closes: a tick that waits (a query, a
   * request) passes it on or checks it between steps.
   */
  tick: (signal: AbortSignal) => Promise<Result>;
  /** Where a tick's failure goes (`where` is `name`): it is reported, never thrown. */
  report: (error: unknown, where: string) => void;
  /** Names the poller in reports (`schedule round`, `webhook round`, ...). */
  name: string;
  /**
   * Whether ticks are worth a timer, asked before each timer is set (default: always); once it
   * answers false the poller sets no more timers (a gateway without a database holds none).
   * `tickNow` still runs a tick.
   */
  active?: () => boolean;
}

/** A periodic round of background work: started once, closed once. */
export interface Poller<Result> {
  /** Sets the first timer (idempotent; nothing after `close()`). */
  start(): void;
  /**
   * One tick now, or the tick under way if there is one (ticks never overlap); resolves with its
   * result, or undefined when it failed (reported) or the poller is closed.
   */
  tickNow(): Promise<Result | undefined>;
  /**
   * Sets the timer again from now, with the interval asked anew (a firer told of a fire due
   * sooner than its timer). Nothing before `start()`, after `close()` or while a tick runs: the
   * timer set after that tick asks the interval then.
   */
  rearm(): void;
  /** Stops the timer, aborts the ticks' signal and waits for the tick under way. Idempotent. */
  close(): Promise<void>;
}

/**
 * The one shape of the gateway's pollers (the schedule firer, the queued-run scan, the webhook
 * sender): a tick, then a timer to the next one once it ended, so ticks never overlap and a slow
 * tick delays the next rather than piling up; `tickNow` shares the tick under way. The timer is
 * unref'd (a poller never keeps the process alive); a tick that throws is reported and the next
 * one comes as usual; `close` aborts the signal the ticks were given and waits for the one under
 * way.
 */
export function createPoller<Result>(options: PollerOptions<Result>): Poller<Result> {
  const { tick, report, name } = options;
  const stop = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<Result | undefined> | undefined;
  let started = false;
  let closing: Promise<void> | undefined;

  const tickNow = (): Promise<Result | undefined> => {
    if (stop.signal.aborted) return Promise.resolve(undefined);
    current ??= (async () => {
      try {
        return await tick(stop.signal);
      } catch (error) {
        report(error, name);
        return undefined;
      }
    })().finally(() => {
      current = undefined;
    });
    return current;
  };

  const schedule = (): void => {
    if (stop.signal.aborted || options.active?.() === false) return;
    const interval = typeof options.intervalMs === 'number' ? options.intervalMs : options.intervalMs();
    timer = setTimeout(
      () => {
        timer = undefined;
        void tickNow().finally(schedule);
      },
      Math.max(0, interval),
    );
    timer.unref();
  };

  return {
    start() {
      if (started || stop.signal.aborted) return;
      started = true;
      schedule();
    },
    tickNow,
    rearm() {
      if (!started || stop.signal.aborted || current !== undefined) return;
      clearTimeout(timer);
      timer = undefined;
      schedule();
    },
    close() {
      closing ??= (async () => {
        stop.abort();
        clearTimeout(timer);
        await current;
      })();
      return closing;
    },
  };
}
