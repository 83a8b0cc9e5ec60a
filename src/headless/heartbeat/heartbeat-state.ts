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
 * The loop's persisted state, with the original's snake_case keys (it is a file other tools
 * read). Loaded at `start()`, so tick numbering and the error streak survive restarts.
 */
export interface HeartbeatState {
  tick_count: number;
  consecutive_errors: number;
  last_outcome: string | null;
  last_error: string | null;
  last_skip_reason: string | null;
  last_alert: boolean;
  last_tick_started_at: string | null;
  last_tick_finished_at: string | null;
  last_duration_seconds: number;
  /** The pause chosen after the last tick (null until one was chosen). */
  last_delay_seconds: number | null;
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

/**
 * Reads whatever a state file held into a well-formed state: numbers from numbers or numeric
 * strings, blank strings as null, anything unusable as its default. A hand-edited or older file
 * therefore never breaks the loop.
 */
export function normalizeHeartbeatState(raw: JsonObject): HeartbeatState {
  return {
    tick_count: Math.max(0, Math.trunc(toNumber(raw.tick_count) ?? 0)),
    consecutive_errors: Math.max(0, Math.trunc(toNumber(raw.consecutive_errors) ?? 0)),
    last_outcome: toText(raw.last_outcome),
    last_error: toText(raw.last_error),
    last_skip_reason: toText(raw.last_skip_reason),
    last_alert: raw.last_alert === true,
    last_tick_started_at: toText(raw.last_tick_started_at),
    last_tick_finished_at: toText(raw.last_tick_finished_at),
    last_duration_seconds: toNumber(raw.last_duration_seconds) ?? 0,
    last_delay_seconds: toNumber(raw.last_delay_seconds) ?? null,
  };
}

/** Loads `<stateDir>/heartbeat_state.json` (missing or damaged → a fresh state). */
export async function loadHeartbeatState(stateDir: string, logger?: Logger): Promise<HeartbeatState> {
  return normalizeHeartbeatState(await readJsonObject(join(stateDir, HEARTBEAT_STATE_FILE), logger));
}

/** Writes `<stateDir>/heartbeat_state.json` atomically with sorted keys. */
export function saveHeartbeatState(stateDir: string, state: HeartbeatState): Promise<void> {
  return writeJsonObjectAtomic(join(stateDir, HEARTBEAT_STATE_FILE), { ...state });
}
