import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { recordingLogger } from '../__fixtures__/recording-logger.js';
import { alertOutput, quietOutput, scriptedHeartbeatLoop } from '../__fixtures__/scripted-heartbeat-loop.js';
import type { RunOutput } from '../run-output.js';
import { HeartbeatLoop } from './heartbeat-loop.js';
import type { TickResult } from './tick-result.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'heartbeat-'));
});

afterEach(async () => {
  vi.useRealTimers();
  await rm(directory, { recursive: true, force: true });
});

describe('HeartbeatLoop timing', () => {
  it('replaces the interval with the backoff steps after errors and restores it after a success', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const startedAt = Date.now();
    const runTimes: number[] = [];
    const seenDelays: Array<number | null> = [];
    const outputs: Array<RunOutput | Error> = [
      new Error('1'),
      new Error('2'),
      new Error('3'),
      new Error('4'),
      quietOutput,
      quietOutput,
    ];
    let index = 0;
    const loop: HeartbeatLoop = new HeartbeatLoop({
      runFn: () => {
        runTimes.push(Date.now() - startedAt);
        seenDelays.push(loop.state.lastDelayMs);
        const next = outputs[index++] ?? quietOutput;
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
      config: { intervalMs: 1_800_000, backoffStepsMs: [30_000, 60_000, 300_000], maxTicks: outputs.length },
      logger: silentLogger,
    });
    const started = loop.start();

    await vi.advanceTimersByTimeAsync(29_999);
    expect(runTimes).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runTimes).toEqual([0, 30_000]);
    await vi.advanceTimersByTimeAsync(2_490_000 - 30_000);
    await started;

    // 30, 60 and 300 s after the first three errors, 300 again (the last step) after the
    // fourth, then the interval once a run succeeded.
    expect(runTimes).toEqual([0, 30_000, 90_000, 390_000, 690_000, 2_490_000]);
    expect(seenDelays).toEqual([null, 30_000, 60_000, 300_000, 300_000, 1_800_000]);
  });

  it('never overlaps ticks: the pause starts when a run has ended', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const startedAt = Date.now();
    const runTimes: number[] = [];
    let active = 0;
    let maxActive = 0;
    const loop = new HeartbeatLoop({
      runFn: async () => {
        runTimes.push(Date.now() - startedAt);
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 20_000));
        active -= 1;
        return quietOutput;
      },
      config: { intervalMs: 1000, maxTicks: 4 },
      logger: silentLogger,
    });
    const started = loop.start();
    await vi.advanceTimersByTimeAsync(4 * 20_000 + 3 * 1000);
    await started;

    expect(runTimes).toEqual([0, 21_000, 42_000, 63_000]);
    expect(maxActive).toBe(1);
    expect(loop.tickCount).toBe(4);
  });

  it('stop() during the pause ends start() without another tick', async () => {
    let runs = 0;
    let resolveFirstTick: () => void = () => {};
    const firstTick = new Promise<void>((resolve) => {
      resolveFirstTick = resolve;
    });
    const loop = new HeartbeatLoop({
      runFn: () => {
        runs += 1;
        return Promise.resolve(quietOutput);
      },
      onTick: () => resolveFirstTick(),
      config: { intervalMs: 3_600_000 },
      logger: silentLogger,
    });
    const started = loop.start();
    await firstTick;
    expect(loop.running).toBe(true);
    loop.stop();
    await started;
    expect(loop.running).toBe(false);
    expect(runs).toBe(1);
    expect(loop.state.lastDelayMs).toBe(3_600_000);
  });

  it('stop() during a run aborts its signal and discards the interrupted tick', async () => {
    const ticks: TickResult[] = [];
    let signalSeen: AbortSignal | undefined;
    let resolveRunning: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      resolveRunning = resolve;
    });
    const loop = new HeartbeatLoop({
      runFn: (signal) => {
        signalSeen = signal;
        resolveRunning();
        return new Promise<RunOutput>((_, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        });
      },
      onTick: (tick) => void ticks.push(tick),
      onError: () => {
        throw new Error('onError must not run for an interrupted tick');
      },
      config: { stateDir: directory },
      logger: silentLogger,
    });
    const started = loop.start();
    await running;
    loop.stop();
    await started;
    expect(signalSeen?.aborted).toBe(true);
    expect(ticks).toEqual([]);
    expect(loop.state.tickCount).toBe(0);
  });

  it('records a run that finishes despite stop() and then ends', async () => {
    const ticks: TickResult[] = [];
    const loop: HeartbeatLoop = new HeartbeatLoop({
      runFn: () => {
        loop.stop();
        return Promise.resolve(alertOutput);
      },
      onTick: (tick) => void ticks.push(tick),
      config: { intervalMs: 3_600_000 },
      logger: silentLogger,
    });
    await loop.start();
    expect(ticks.map((tick) => tick.outcome)).toEqual(['alert']);
  });

  it('returns at once for maxTicks ≤ 0', async () => {
    const { runs, start } = scriptedHeartbeatLoop([], { config: { maxTicks: 0 } });
    await start();
    expect(runs()).toBe(0);
  });
});

describe('HeartbeatLoop state and callbacks', () => {
  it('persists heartbeat_state.json and continues the tick numbering in a new loop', async () => {
    const first = scriptedHeartbeatLoop([quietOutput, new Error('boom')], {
      config: { stateDir: directory },
    });
    await first.start();
    // The file keeps the original's snake_case keys and seconds.
    const saved = JSON.parse(await readFile(join(directory, 'heartbeat_state.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(saved)).toEqual([
      'consecutive_errors',
      'last_alert',
      'last_delay_seconds',
      'last_duration_seconds',
      'last_error',
      'last_outcome',
      'last_skip_reason',
      'last_tick_finished_at',
      'last_tick_started_at',
      'tick_count',
    ]);
    expect(saved).toMatchObject({
      tick_count: 2,
      consecutive_errors: 1,
      last_outcome: 'error',
      last_error: 'Error: boom',
      last_skip_reason: null,
      last_alert: false,
      last_delay_seconds: null,
    });
    expect(typeof saved.last_tick_started_at).toBe('string');
    expect(saved.last_duration_seconds).toBeGreaterThanOrEqual(0);
    expect(first.loop.state).toMatchObject({ tickCount: 2, consecutiveErrors: 1, lastError: 'Error: boom' });

    const second = scriptedHeartbeatLoop([alertOutput], { config: { stateDir: directory } });
    await second.start();
    expect(second.ticks.map((tick) => tick.tickNumber)).toEqual([3]);
    expect(second.loop.state).toMatchObject({ tickCount: 3, consecutiveErrors: 0, lastOutcome: 'alert' });
  });

  it('keeps running when callbacks throw or reject, and logs each failure', async () => {
    const logger = recordingLogger();
    const { runs, start } = scriptedHeartbeatLoop([alertOutput, quietOutput, new Error('x')], {
      logger,
      onAlert: () => {
        throw new Error('alert sink down');
      },
      onQuiet: () => Promise.reject(new Error('quiet sink down')),
      onError: () => Promise.reject(new Error('error sink down')),
      onTick: () => {
        throw new Error('tick sink down');
      },
    });
    await start();
    expect(runs()).toBe(3);
    expect(logger.warnings).toEqual([
      'Alert callback failed (non-fatal): alert sink down',
      'Tick callback failed (non-fatal): tick sink down',
      'Quiet callback failed (non-fatal): quiet sink down',
      'Tick callback failed (non-fatal): tick sink down',
      'Error callback failed (non-fatal): error sink down',
      'Tick callback failed (non-fatal): tick sink down',
    ]);
  });

  it('gives callbacks a copy of the state', async () => {
    const { loop, start } = scriptedHeartbeatLoop([quietOutput], {
      onQuiet: (_, state) => {
        state.tickCount = 999;
      },
    });
    await start();
    expect(loop.tickCount).toBe(1);
  });

  it('refuses a second concurrent start', async () => {
    const loop = new HeartbeatLoop({
      runFn: () => Promise.resolve(quietOutput),
      config: { intervalMs: 3_600_000 },
      logger: silentLogger,
    });
    const started = loop.start();
    await expect(loop.start()).rejects.toThrow('HeartbeatLoop is already running');
    loop.stop();
    await started;
  });

  it('validates its options up front', () => {
    const runFn = (): Promise<RunOutput> => Promise.resolve(quietOutput);
    expect(() => new HeartbeatLoop({ runFn: 'nope' as never })).toThrow(/runFn/);
    expect(() => new HeartbeatLoop({ runFn, config: { intervalMs: 0 } })).toThrow(
      /config\.intervalMs: Too small/,
    );
    expect(() => new HeartbeatLoop({ runFn, config: { activeHours: [9, 25] } })).toThrow(/activeHours/);
    expect(() => new HeartbeatLoop({ runFn, config: { backoffStepsMs: [1, -1] } })).toThrow(
      /config\.backoffStepsMs\.1: Too small/,
    );
    expect(() => new HeartbeatLoop({ runFn, config: { quietThreshold: -1 } })).toThrow(/quietThreshold/);
    expect(() => new HeartbeatLoop({ runFn, config: { stateDir: ' ' } })).toThrow(
      /stateDir: must be a non-empty path/,
    );
    expect(() => new HeartbeatLoop({ runFn, onTick: 'log' as never })).toThrow(/onTick: must be a function/);
  });

  it('suggests the closest option name, and the unit of the renamed durations', () => {
    const runFn = (): Promise<RunOutput> => Promise.resolve(quietOutput);
    expect(() => new HeartbeatLoop({ runFn, config: { interval: 5 } as never })).toThrow(
      "HeartbeatLoop: unknown option 'config.interval' — did you mean 'config.intervalMs'?",
    );
    expect(() => new HeartbeatLoop({ runFn, onTicks: () => undefined } as never)).toThrow(
      "HeartbeatLoop: unknown option 'onTicks' — did you mean 'onTick'?",
    );
    expect(() => new HeartbeatLoop({ runFn, config: { intervalSeconds: 1800 } as never })).toThrow(
      "HeartbeatLoop: option 'config.intervalSeconds' was replaced: use 'config.intervalMs' (milliseconds)",
    );
  });
});
