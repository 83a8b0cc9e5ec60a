import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';

/** Options of `createWriteRetries`. */
export interface WriteRetriesOptions {
  /** Receives the first failure of a write and a write given up on. */
  report: (error: unknown, where: string) => void;
  /** Writes retried at once; one more is tried once and, failing, given up (1 000). */
  maxPending?: number;
  /** How long one write is retried before it is given up, in ms (five minutes). */
  giveUpMs?: number;
  /** First pause between two attempts, in ms (200), doubled up to `maxPauseMs` (5 000). */
  firstPauseMs?: number;
  maxPauseMs?: number;
  now?: () => number;
}

/** Writes to the database that outlast an outage (see `createWriteRetries`). */
export interface WriteRetries {
  /**
   * Runs `write`; while it fails because the database is unavailable, runs it again after a
   * growing pause. Resolves true once it landed, false when it was given up (another failure,
   * past `giveUpMs`, too many pending, or closed). Never rejects. Every write must be idempotent.
   */
  run(what: string, write: () => Promise<void>): Promise<boolean>;
  /** Writes waiting for their next attempt. */
  readonly pending: number;
  /** Lets writes under way try until `graceMs` passed, then gives up the rest. Idempotent. */
  close(graceMs: number): Promise<void>;
}

/** Whether `error` is the database not answering (`store_unavailable`): worth trying again. */
export const isStoreUnavailable = (error: unknown): boolean =>
  error instanceof GatewayError && error.code === GatewayErrorCode.StoreUnavailable;

/**
 * Retries of the writes that record what a run did (its messages, its end, its approvals): a
 * database that restarts or is briefly unreachable delays them, it does not lose them. Writes
 * are keyed by the store (messages by thread and sequence, runs and approvals by id), so an
 * attempt that landed but whose answer was lost is harmless when repeated.
 */
export function createWriteRetries(options: WriteRetriesOptions): WriteRetries {
  const { report } = options;
  const maxPending = options.maxPending ?? 1_000;
  const giveUpMs = options.giveUpMs ?? 300_000;
  const firstPause = options.firstPauseMs ?? 200;
  const maxPause = options.maxPauseMs ?? 5_000;
  const now = options.now ?? Date.now;
  const stop = new AbortController();
  /** Writes under way (first attempts and retries); `drained` waiters run when it is back to 0. */
  let underWay = 0;
  let drained: Array<() => void> = [];
  let pending = 0;
  let closing: Promise<void> | undefined;
  const settledOne = (): void => {
    underWay -= 1;
    if (underWay > 0 || drained.length === 0) return;
    const waiting = drained;
    drained = [];
    for (const resolve of waiting) resolve();
  };
  /** Resolves once no write is under way. */
  const allSettled = (): Promise<void> =>
    underWay === 0 ? Promise.resolve() : new Promise<void>((resolve) => void drained.push(resolve));
  const landed = (): boolean => {
    settledOne();
    return true;
  };

  /** After a write's first failure: retried while the database is down, until it gives up. */
  const retry = async (what: string, write: () => Promise<void>, firstError: unknown): Promise<boolean> => {
    const deadline = now() + giveUpMs;
    let pause = firstPause;
    let waiting = false;
    let error = firstError;
    try {
      for (let tries = 1; ; tries += 1) {
        if (!isStoreUnavailable(error)) {
          report(error, `database: ${what}`);
          return false;
        }
        if (tries === 1) report(error, `database: ${what} (retrying)`);
        if (!waiting) {
          if (pending >= maxPending || stop.signal.aborted) {
            report(error, `database: ${what} given up (${pending} writes already waiting)`);
            return false;
          }
          waiting = true;
          pending += 1;
        }
        if (now() + pause > deadline || stop.signal.aborted) {
          report(error, `database: ${what} given up after ${tries} attempts`);
          return false;
        }
        try {
          await sleep(pause, undefined, { signal: stop.signal });
        } catch {
          report(new Error('the app closed'), `database: ${what} given up`);
          return false;
        }
        pause = Math.min(pause * 2, maxPause);
        try {
          await write();
          return true;
        } catch (next) {
          error = next;
        }
      }
    } finally {
      if (waiting) pending -= 1;
      settledOne();
    }
  };

  return {
    run(what, write) {
      // Every run end goes through here: the first attempt is a plain call, not an async frame,
      // and what it settles is counted by the callbacks it has anyway (no promise of its own).
      underWay += 1;
      try {
        return write().then(landed, (error: unknown) => retry(what, write, error));
      } catch (error) {
        return retry(what, write, error);
      }
    },
    get pending() {
      return pending;
    },
    close(graceMs) {
      closing ??= (async () => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([allSettled(), grace]);
        clearTimeout(timer);
        stop.abort();
        await allSettled();
      })();
      return closing;
    },
  };
}
