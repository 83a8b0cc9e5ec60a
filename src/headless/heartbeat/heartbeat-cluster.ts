import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { abortableSleep } from '../../agent/abortable-sleep.js';
import type { HeartbeatTickStore } from '../../core/heartbeat-tick-store.js';

/** How long a tick's claim lasts unrenewed; renewed every third of it while the tick runs. */
const CLAIM_MS = 30_000;
/** The longest pause between two looks at the cluster's latest tick. */
const MAX_LOOK_MS = 60_000;
/** The shortest (after a lost race, the winner's row is read again soon). */
const MIN_LOOK_MS = 10;

/** A tick this instance claimed: its number and the error streak before it. */
export interface ClusterTurn {
  tick: number;
  consecutiveErrors: number;
}

/** The part of a `HeartbeatLoop` that takes turns with the other instances of its cluster. */
export interface HeartbeatCluster {
  /** Waits until this instance claimed the next tick; undefined once `signal` aborted. */
  waitForTurn(signal: AbortSignal): Promise<ClusterTurn | undefined>;
  /** Keeps the claim of `tick` alive until `signal` aborts (the tick ended). */
  holdClaim(tick: number, signal: AbortSignal): void;
  /** Records the end of `tick` and when the cluster's next one is due. */
  finish(tick: number, end: { outcome: string; consecutiveErrors: number; nextDueAt: number }): Promise<void>;
}

/** Options of `createHeartbeatCluster`. */
export interface HeartbeatClusterOptions {
  store: HeartbeatTickStore;
  /** The heartbeat's name in the cluster (the loop's thread). */
  name: string;
  now: () => number;
  /** Receives failures to renew or finish (the next look tries again). */
  warn: (message: string) => void;
}

/**
 * Takes turns through the database: each tick is claimed before it runs (one instance wins
 * each tick number), its claim renewed while it runs, and its end records when the next is due
 * (the interval, or the backoff step after errors, as the instance that ran it chose), so the
 * cluster ticks once per interval whichever instance runs each tick. An instance that dies
 * mid-tick stops renewing; once its claim lapsed another instance runs the next tick.
 */
export function createHeartbeatCluster(options: HeartbeatClusterOptions): HeartbeatCluster {
  const { store, name, now, warn } = options;
  const claimer = `${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}`;
  return {
    async waitForTurn(signal) {
      while (!signal.aborted) {
        let lookAgainAt: number;
        try {
          const claim = await store.claim(name, claimer, now(), CLAIM_MS);
          if (claim.claimed) return { tick: claim.tick, consecutiveErrors: claim.consecutiveErrors };
          lookAgainAt = claim.lookAgainAt;
        } catch (error) {
          warn(
            `Heartbeat: claiming a tick failed: ${error instanceof Error ? error.message : String(error)}`,
          );
          lookAgainAt = now() + CLAIM_MS / 3;
        }
        const pause = Math.min(MAX_LOOK_MS, Math.max(MIN_LOOK_MS, lookAgainAt - now()));
        await abortableSleep(pause, signal);
      }
      return undefined;
    },
    holdClaim(tick, signal) {
      const renew = (): void => {
        store.renew(name, tick, claimer, now() + CLAIM_MS).catch((error: unknown) => {
          warn(
            `Heartbeat: renewing tick ${tick} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        });
      };
      const timer = setInterval(renew, CLAIM_MS / 3);
      timer.unref();
      signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    },
    async finish(tick, end) {
      try {
        await store.finish(name, tick, claimer, { at: now(), ...end });
      } catch (error) {
        warn(
          `Heartbeat: recording tick ${tick} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },
  };
}
