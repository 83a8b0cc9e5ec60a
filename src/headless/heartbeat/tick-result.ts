import type { RunOutput } from '../run-output.js';
import type { HeartbeatOutcome, HeartbeatSkipReason, HeartbeatState } from './heartbeat-state.js';

/** What one tick did; passed to `onTick`. */
export interface TickResult {
  outcome: HeartbeatOutcome;
  /** The run's output (null for skipped ticks and for a `runFn` that threw). */
  output: RunOutput | null;
  skipped: boolean;
  skipReason: HeartbeatSkipReason | null;
  /** Whether `onAlert` was called (outcomes alert, budget_exceeded, max_turns_reached). */
  alert: boolean;
  error: string | null;
  /** The response without its `HEARTBEAT_OK` lines. */
  strippedResponse: string;
  /** 1-based, continuing from the persisted count. */
  tickNumber: number;
  /** UTC ISO time. */
  startedAt: string;
  /** How long the tick took, callbacks included. */
  durationMs: number;
}

/** A heartbeat callback; may be async, may throw (logged, never stops the loop). */
export type HeartbeatCallback<Value> = (value: Value, state: HeartbeatState) => void | Promise<void>;
