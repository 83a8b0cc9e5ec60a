import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import type { JsonObject } from '../state/json-object-file.js';
import { readJsonObject, writeJsonObjectAtomic } from '../state/json-object-file.js';

/** The file a `HeartbeatLoop` persists its state in, inside `stateDir`. */
export const HEARTBEAT_STATE_FILE = 'heartbeat_state.json';

/** How a tick ended. */
export type HeartbeatOutcome =
  'quiet' | 'alert' | 'budget_exceeded' | 'max_turns_reached' | 'error' | 'skipped';

/** Why a tick did not call the model. */
export type HeartbeatSkipReason = 'outside_active_hours' | 'empty_checklist';

/**
 * The loop's state, passed to callbacks. It is persisted after every tick in
 * `heartbeat_state.json` with snake_case keys and seconds (a file other tools
 * read), and loaded at `start()`, so tick numbering and the error streak survive restarts.
 */
export interface HeartbeatState {
  tickCount: number;
  consecutiveErrors: number;
  lastOutcome: string | null;
  lastError: string | null;
  lastSkipReason: string | null;
  lastAlert: boolean;
  /** UTC ISO time. */
  lastTickStartedAt: string | null;
  /** UTC ISO time. */
  lastTickFinishedAt: string | null;
  lastDurationMs: number;
  /** The pause chosen after the last tick (null until one was chosen). */
  lastDelayMs: number | null;
}

const toNumber = (value: unknown): number | undefined => {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
};

const toText = (value: unknown): string | null => {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).trim();
  return text === '' ? null : text;
};

const secondsToMs = (seconds: number | undefined): number | undefined =>
  seconds === undefined ? undefined : Math.round(seconds * 1000);

/**
 * Reads whatever a state file held (snake_case keys, durations in seconds) into a well-formed
 * state: numbers from numbers or numeric strings, blank strings as null, anything unusable as
 * its default. A hand-edited or older file therefore never breaks the loop.
 */
export function readHeartbeatStateFile(raw: JsonObject): HeartbeatState {
  return {
    tickCount: Math.max(0, Math.trunc(toNumber(raw.tick_count) ?? 0)),
    consecutiveErrors: Math.max(0, Math.trunc(toNumber(raw.consecutive_errors) ?? 0)),
    lastOutcome: toText(raw.last_outcome),
    lastError: toText(raw.last_error),
    lastSkipReason: toText(raw.last_skip_reason),
    lastAlert: raw.last_alert === true,
    lastTickStartedAt: toText(raw.last_tick_started_at),
    lastTickFinishedAt: toText(raw.last_tick_finished_at),
    lastDurationMs: secondsToMs(toNumber(raw.last_duration_seconds)) ?? 0,
    lastDelayMs: secondsToMs(toNumber(raw.last_delay_seconds)) ?? null,
  };
}

/** The state as the file holds it: snake_case keys, durations in seconds. */
export function toHeartbeatStateFile(state: HeartbeatState): JsonObject {
  return {
    tick_count: state.tickCount,
    consecutive_errors: state.consecutiveErrors,
    last_outcome: state.lastOutcome,
    last_error: state.lastError,
    last_skip_reason: state.lastSkipReason,
    last_alert: state.lastAlert,
    last_tick_started_at: state.lastTickStartedAt,
    last_tick_finished_at: state.lastTickFinishedAt,
    last_duration_seconds: state.lastDurationMs / 1000,
    last_delay_seconds: state.lastDelayMs === null ? null : state.lastDelayMs / 1000,
  };
}

/** Loads `<stateDir>/heartbeat_state.json` (missing or damaged → a fresh state). */
export async function loadHeartbeatState(stateDir: string, logger?: Logger): Promise<HeartbeatState> {
  return readHeartbeatStateFile(await readJsonObject(join(stateDir, HEARTBEAT_STATE_FILE), logger));
}

/** Writes `<stateDir>/heartbeat_state.json` atomically with sorted keys. */
export function saveHeartbeatState(stateDir: string, state: HeartbeatState): Promise<void> {
  return writeJsonObjectAtomic(join(stateDir, HEARTBEAT_STATE_FILE), toHeartbeatStateFile(state));
}
