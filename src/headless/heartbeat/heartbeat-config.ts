import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import {
  callable,
  implementing,
  nonBlankString,
  nonNegativeInteger,
  parseOptions,
  positiveNumber,
} from '../../core/parse-options.js';
import type { ThreadOwner, ThreadStore } from '../../core/thread-store.js';
import type { RunOutput } from '../run-output.js';
import { headlessThreadShape } from '../thread/headless-thread-options.js';
import type { HeartbeatCallback, TickResult } from './tick-result.js';

const hour = z.number().int().min(0).max(24);

/** When and how a `HeartbeatLoop` ticks. Durations are in milliseconds. */
export const heartbeatConfigSchema = z.strictObject({
  /** Pause between ticks when the last one did not fail (default 1 800 000: 30 min). */
  intervalMs: positiveNumber().default(1_800_000),
  /** Local hours in which ticks run, e.g. `[8, 22]` or overnight `[22, 6]` (default: always). */
  activeHours: z
    .tuple([hour, hour], { error: 'must be [startHour, endHour] with whole hours from 0 to 24' })
    .readonly()
    .nullable()
    .default(null),
  /** IANA zone of `activeHours` (default 'UTC'; an unknown zone falls back to UTC with a warning). */
  timezone: z.string().default('UTC'),
  /** A response with `HEARTBEAT_OK` and at most this many other characters is quiet (default 20). */
  quietThreshold: nonNegativeInteger().default(20),
  /** Pauses after 1, 2, 3… consecutive errors, the last repeating (default 30 s, 1 min, 5 min, 15 min, 1 h). */
  backoffStepsMs: z
    .array(positiveNumber())
    .readonly()
    .default(() => [30_000, 60_000, 300_000, 900_000, 3_600_000]),
  /** Ticks are skipped while this file has only blank and `#` lines (default: no gating). */
  checklistPath: nonBlankString('a non-empty path').nullable().default(null),
  /** Where `heartbeat_state.json` lives (default: state is kept in memory only). */
  stateDir: nonBlankString('a non-empty path').nullable().default(null),
  /** Ticks to run before `start()` resolves (default: until `stop()`); ≤ 0 returns at once. */
  maxTicks: z.number().int().nullable().default(null),
});

/** When and how a `HeartbeatLoop` ticks. Durations are in milliseconds. */
export type HeartbeatConfig = z.input<typeof heartbeatConfigSchema>;

/** A heartbeat config with defaults applied. */
export type ResolvedHeartbeatConfig = z.output<typeof heartbeatConfigSchema>;

/**
 * What a tick continues, handed to `runFn` to spread into `runAutonomous`'s `headless` group:
 * the loop's `thread`, its database (opened once for the whole loop) and `owner`; empty when the
 * loop keeps no thread.
 */
export interface HeartbeatThread {
  thread?: string;
  database?: ThreadStore;
  owner?: ThreadOwner;
}

/** Options of `new HeartbeatLoop(…)`. */
export const heartbeatLoopOptionsSchema = z
  .strictObject({
    /**
     * Runs the agent once, usually `(signal, thread) => runAutonomous({ …, headless: { …, signal,
     * ...thread } })` without delivery (deliver from `onAlert`, so quiet ticks stay quiet). `signal`
     * aborts when `stop()` is called; `thread` names the loop's thread and its open database.
     */
    runFn: callable<(signal: AbortSignal, thread: HeartbeatThread) => Promise<RunOutput>>(),
    /**
     * Every tick continues this stored thread (created on first use), so the agent remembers its
     * earlier ticks; compacted as it grows (`compaction.trigger`). Needs `database`.
     */
    thread: headlessThreadShape.thread,
    /**
     * Where the thread is kept, as `server.database`: opened when `start()` begins and closed when
     * it returns (a `ThreadStore` handed in stays open).
     */
    database: headlessThreadShape.database,
    /** Who owns the thread (default `{ apiKeyHash: 'headless' }`). */
    owner: headlessThreadShape.owner,
    /** When and how the loop ticks. */
    config: heartbeatConfigSchema.prefault({}),
    /** The run has something to say (or hit its budget / turn limit). */
    onAlert: callable<HeartbeatCallback<RunOutput>>().optional(),
    /** The run answered `HEARTBEAT_OK` with little else. */
    onQuiet: callable<HeartbeatCallback<RunOutput>>().optional(),
    /** `runFn` threw (an `Error`) or the run failed or timed out (its `RunOutput`). */
    onError: callable<HeartbeatCallback<RunOutput | Error>>().optional(),
    /** After every tick, skipped ones included. */
    onTick: callable<HeartbeatCallback<TickResult>>().optional(),
    /** Receives callback failures and state-file problems (default: console). */
    logger: implementing<Logger>('a Logger', ['warn', 'error']).optional(),
    /** The clock for active hours and timestamps (default: the system clock). */
    now: callable<() => Date>().optional(),
  })
  .superRefine((options, context) => {
    const hasDatabase = options.database !== undefined && options.database !== false;
    if (options.thread !== undefined && !hasDatabase) {
      context.addIssue({ code: 'custom', path: ['database'], message: 'is needed to keep thread' });
    }
    if (options.thread === undefined && hasDatabase) {
      context.addIssue({ code: 'custom', path: ['thread'], message: 'is needed with database' });
    }
  });

/** Options of `new HeartbeatLoop(…)`. */
export type HeartbeatLoopOptions = z.input<typeof heartbeatLoopOptionsSchema>;

/** Options of 0.1.0 that counted seconds (see CHANGELOG.md). */
const RENAMED_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['config.intervalSeconds', "use 'config.intervalMs' (milliseconds)"],
  ['config.backoffSteps', "use 'config.backoffStepsMs' (milliseconds)"],
]);

/**
 * Validates the options of a `HeartbeatLoop` and applies the defaults; fails with
 * `GatewayError('invalid_option')` naming the field.
 */
export function resolveHeartbeatLoopOptions(
  options: HeartbeatLoopOptions,
): z.output<typeof heartbeatLoopOptionsSchema> {
  return parseOptions(heartbeatLoopOptionsSchema, options, 'HeartbeatLoop', RENAMED_OPTIONS);
}
