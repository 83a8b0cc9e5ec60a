import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOutputFixture } from '../__fixtures__/run-output-fixture.js';
import { alertOutput, quietOutput, scriptedHeartbeatLoop } from '../__fixtures__/scripted-heartbeat-loop.js';
import type { RunOutput } from '../run-output.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'heartbeat-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('HeartbeatLoop outcomes', () => {
  it('calls onQuiet for a HEARTBEAT_OK response and onAlert for anything else', async () => {
    const quietCalls: RunOutput[] = [];
    const alertCalls: RunOutput[] = [];
    const { loop, ticks, start } = scriptedHeartbeatLoop([quietOutput, alertOutput], {
      onQuiet: (output) => void quietCalls.push(output),
      onAlert: (output) => void alertCalls.push(output),
    });
    await start();
    expect(ticks.map((tick) => [tick.tickNumber, tick.outcome, tick.alert])).toEqual([
      [1, 'quiet', false],
      [2, 'alert', true],
    ]);
    expect(quietCalls).toEqual([quietOutput]);
    expect(alertCalls).toEqual([alertOutput]);
    expect(ticks[1]?.strippedResponse).toBe('The disk is 95% full.');
    expect(loop.state).toMatchObject({
      tickCount: 2,
      lastOutcome: 'alert',
      lastAlert: true,
      consecutiveErrors: 0,
    });
  });

  it('is quiet only when the text besides the token fits the quiet threshold', async () => {
    const { ticks, start } = scriptedHeartbeatLoop(
      [
        runOutputFixture({ response: 'HEARTBEAT_OK\nall 5 checks ok' }),
        runOutputFixture({ response: 'HEARTBEAT_OK\nbut the backup job failed twice' }),
        runOutputFixture({ response: 'Nothing to report.' }),
      ],
      { config: { quietThreshold: 15 } },
    );
    await start();
    expect(ticks.map((tick) => tick.outcome)).toEqual(['quiet', 'alert', 'alert']);
    expect(ticks[0]?.strippedResponse).toBe('all 5 checks ok');
  });

  it('alerts with budget_exceeded / max_turns_reached even when the model said HEARTBEAT_OK', async () => {
    const alerts: RunOutput[] = [];
    const { ticks, start } = scriptedHeartbeatLoop(
      [
        runOutputFixture({ response: 'HEARTBEAT_OK', budgetExceeded: true }),
        runOutputFixture({ response: 'HEARTBEAT_OK', maxTurnsReached: true }),
      ],
      { onAlert: (output) => void alerts.push(output) },
    );
    await start();
    expect(ticks.map((tick) => [tick.outcome, tick.alert])).toEqual([
      ['budget_exceeded', true],
      ['max_turns_reached', true],
    ]);
    expect(alerts).toHaveLength(2);
  });

  it('reports failed and timed-out runs and thrown errors through onError', async () => {
    const failures: Array<RunOutput | Error> = [];
    const failedRun = runOutputFixture({ response: 'partial', error: 'upstream 500' });
    const timedOut = runOutputFixture({ response: 'HEARTBEAT_OK', timedOut: true });
    const thrown = new TypeError('runFn broke');
    const { loop, ticks, start } = scriptedHeartbeatLoop([failedRun, timedOut, thrown], {
      onError: (failure) => void failures.push(failure),
    });
    await start();
    expect(ticks.map((tick) => [tick.outcome, tick.error, tick.output])).toEqual([
      ['error', 'upstream 500', failedRun],
      ['error', 'Heartbeat run timed out', timedOut],
      ['error', 'TypeError: runFn broke', null],
    ]);
    expect(failures).toEqual([failedRun, timedOut, thrown]);
    expect(loop.state).toMatchObject({ consecutiveErrors: 3, lastError: 'TypeError: runFn broke' });
  });

  it('treats a runFn that resolves with something other than a RunOutput as an error', async () => {
    const { ticks, start } = scriptedHeartbeatLoop([undefined as unknown as RunOutput]);
    await start();
    expect(ticks[0]?.error).toBe('TypeError: runFn must resolve with a RunOutput');
  });

  it('resets the error streak after a successful run', async () => {
    const { loop, start } = scriptedHeartbeatLoop([new Error('a'), new Error('b'), quietOutput]);
    await start();
    expect(loop.state.consecutiveErrors).toBe(0);
  });
});

describe('HeartbeatLoop skips', () => {
  it('skips ticks outside the active hours without running, and still counts them', async () => {
    const { loop, ticks, runs, start } = scriptedHeartbeatLoop([quietOutput, quietOutput], {
      now: () => new Date('2025-01-15T03:00:00Z'),
      config: { activeHours: [9, 17], timezone: 'UTC' },
    });
    await start();
    expect(runs()).toBe(0);
    expect(ticks.map((tick) => [tick.tickNumber, tick.outcome, tick.skipped, tick.skipReason])).toEqual([
      [1, 'skipped', true, 'outside_active_hours'],
      [2, 'skipped', true, 'outside_active_hours'],
    ]);
    expect(loop.state).toMatchObject({
      tickCount: 2,
      lastSkipReason: 'outside_active_hours',
      lastOutcome: 'skipped',
    });
  });

  it('runs inside the active hours of the configured zone', async () => {
    const { runs, start } = scriptedHeartbeatLoop([quietOutput], {
      now: () => new Date('2025-01-15T03:00:00Z'), // 12:00 in Tokyo
      config: { activeHours: [9, 17], timezone: 'Asia/Tokyo' },
    });
    await start();
    expect(runs()).toBe(1);
  });

  it('skips while the checklist is empty and runs once it has an item', async () => {
    const checklistPath = join(directory, 'HEARTBEAT.md');
    const { ticks, runs, start } = scriptedHeartbeatLoop([quietOutput], { config: { checklistPath } });
    await start();
    expect(runs()).toBe(0);
    expect(ticks[0]?.skipReason).toBe('empty_checklist');

    await writeFile(checklistPath, '# Items\n- check backups\n');
    await start();
    expect(runs()).toBe(1);
    expect(ticks.map((tick) => [tick.tickNumber, tick.outcome])).toEqual([
      [1, 'skipped'],
      [2, 'quiet'],
    ]);
  });
});
