import { silentLogger } from '../../core/logger.js';
import { HeartbeatLoop, type HeartbeatLoopOptions } from '../heartbeat/heartbeat-loop.js';
import type { TickResult } from '../heartbeat/tick-result.js';
import type { RunOutput } from '../run-output.js';
import { runOutputFixture } from './run-output-fixture.js';
import { startWithoutPauses } from './start-without-pauses.js';

/** A quiet heartbeat answer. */
export const quietOutput = runOutputFixture({ response: 'HEARTBEAT_OK' });
/** An answer that alerts. */
export const alertOutput = runOutputFixture({ response: 'The disk is 95% full.' });

/** A loop built by `scriptedHeartbeatLoop`, with what it recorded. */
export interface ScriptedHeartbeatLoop {
  loop: HeartbeatLoop;
  /** Every `onTick` result, in order. */
  ticks: TickResult[];
  /** How many times `runFn` was called. */
  runs: () => number;
  /** `loop.start()` with the pauses between ticks skipped (fake timers). */
  start: () => Promise<void>;
}

/**
 * A loop whose `runFn` plays `outputs` in order (an `Error` entry is thrown), with the default
 * interval and backoff (minutes: run it with `start()`, which skips the pauses),
 * `maxTicks` = number of outputs, and a silent logger; `overrides` replace options and config
 * fields.
 */
export function scriptedHeartbeatLoop(
  outputs: Array<RunOutput | Error>,
  overrides: Partial<HeartbeatLoopOptions> = {},
): ScriptedHeartbeatLoop {
  const ticks: TickResult[] = [];
  let runs = 0;
  const loop = new HeartbeatLoop({
    runFn: () => {
      if (runs >= outputs.length) return Promise.reject(new Error('script exhausted'));
      // An entry may deliberately be a malformed value, so it is not checked here.
      const next = outputs[runs] as RunOutput | Error;
      runs += 1;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    onTick: (tick) => void ticks.push(tick),
    logger: silentLogger,
    ...overrides,
    config: { maxTicks: outputs.length, ...overrides.config },
  });
  return { loop, ticks, runs: () => runs, start: () => startWithoutPauses(loop) };
}
