import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HEARTBEAT_STATE_FILE,
  loadHeartbeatState,
  readHeartbeatStateFile,
  saveHeartbeatState,
  type HeartbeatState,
} from './heartbeat-state.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'heartbeat-state-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const state: HeartbeatState = {
  tickCount: 7,
  consecutiveErrors: 2,
  lastOutcome: 'error',
  lastError: 'Error: boom',
  lastSkipReason: null,
  lastAlert: false,
  lastTickStartedAt: '2026-03-14T09:30:00.000Z',
  lastTickFinishedAt: '2026-03-14T09:30:01.500Z',
  lastDurationMs: 1500,
  lastDelayMs: 60_000,
};

describe('heartbeat state file', () => {
  it("is written with the original's snake_case keys and seconds, and read back in ms", async () => {
    await saveHeartbeatState(directory, state);
    const saved = JSON.parse(await readFile(join(directory, HEARTBEAT_STATE_FILE), 'utf8')) as unknown;
    expect(saved).toEqual({
      tick_count: 7,
      consecutive_errors: 2,
      last_outcome: 'error',
      last_error: 'Error: boom',
      last_skip_reason: null,
      last_alert: false,
      last_tick_started_at: '2026-03-14T09:30:00.000Z',
      last_tick_finished_at: '2026-03-14T09:30:01.500Z',
      last_duration_seconds: 1.5,
      last_delay_seconds: 60,
    });
    expect(await loadHeartbeatState(directory)).toEqual(state);
  });

  it('reads a file written by the original (numeric strings, blanks, fractional seconds)', async () => {
    await writeFile(
      join(directory, HEARTBEAT_STATE_FILE),
      JSON.stringify({
        tick_count: '12',
        consecutive_errors: 0,
        last_outcome: 'quiet',
        last_error: '',
        last_alert: false,
        last_duration_seconds: 2.25,
        last_delay_seconds: '1800',
      }),
    );
    expect(await loadHeartbeatState(directory)).toMatchObject({
      tickCount: 12,
      lastOutcome: 'quiet',
      lastError: null,
      lastDurationMs: 2250,
      lastDelayMs: 1_800_000,
    });
  });

  it('starts fresh from an empty or unusable file', () => {
    expect(readHeartbeatStateFile({ tick_count: 'many', last_delay_seconds: null })).toEqual({
      tickCount: 0,
      consecutiveErrors: 0,
      lastOutcome: null,
      lastError: null,
      lastSkipReason: null,
      lastAlert: false,
      lastTickStartedAt: null,
      lastTickFinishedAt: null,
      lastDurationMs: 0,
      lastDelayMs: null,
    });
  });
});
