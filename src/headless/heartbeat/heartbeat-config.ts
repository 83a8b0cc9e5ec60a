import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import { heartbeatConfigSchema } from '../../agent-spec/heartbeat-config-schema.js';
import { callable, implementing, parseOptions } from '../../core/parse-options.js';
import type { ThreadOwner, ThreadStore } from '../../core/thread-store.js';
import type { RunOutput } from '../run-output.js';
import { headlessThreadShape } from '../thread/headless-thread-options.js';
import type { HeartbeatCallback, TickResult } from './tick-result.js';

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
