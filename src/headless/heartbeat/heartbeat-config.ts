import { GatewayError } from '../../core/errors.js';
import type { ActiveHours } from './is-within-active-hours.js';

/** When and how a `HeartbeatLoop` ticks. Durations are seconds and may be fractional. */
export interface HeartbeatConfig {
  /** Pause between ticks when the last one did not fail (default 1800). */
  intervalSeconds?: number;
  /** Local hours in which ticks run, e.g. `[8, 22]` or overnight `[22, 6]` (default: always). */
  activeHours?: ActiveHours | null;
  /** IANA zone of `activeHours` (default 'UTC'; an unknown zone falls back to UTC with a warning). */
  timezone?: string;
  /** A response with `HEARTBEAT_OK` and at most this many other characters is quiet (default 20). */
  quietThreshold?: number;
  /** Pauses after 1, 2, 3… consecutive errors, the last repeating (default 30, 60, 300, 900, 3600). */
  backoffSteps?: readonly number[];
  /** Ticks are skipped while this file has only blank and `#` lines (default: no gating). */
  checklistPath?: string | null;
  /** Where `heartbeat_state.json` lives (default: state is kept in memory only). */
  stateDir?: string | null;
  /** Ticks to run before `start()` resolves (default: until `stop()`); ≤ 0 returns at once. */
  maxTicks?: number | null;
}

/** A heartbeat config with defaults applied. */
export interface ResolvedHeartbeatConfig {
  intervalSeconds: number;
  activeHours: ActiveHours | null;
  timezone: string;
  quietThreshold: number;
  backoffSteps: readonly number[];
  checklistPath: string | null;
  stateDir: string | null;
  maxTicks: number | null;
}

/** Backoff after consecutive errors, in seconds. */
export const DEFAULT_BACKOFF_STEPS: readonly number[] = [30, 60, 300, 900, 3600];

const KNOWN_KEYS = new Set([
  'intervalSeconds',
  'activeHours',
  'timezone',
  'quietThreshold',
  'backoffSteps',
  'checklistPath',
  'stateDir',
  'maxTicks',
]);

const fail = (problem: string): never => {
  throw new GatewayError('invalid_option', `HeartbeatLoop config: ${problem}`);
};

const isPositiveSeconds = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;

const isHour = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 24;

const optionalPath = (value: unknown, name: string): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') fail(`\`${name}\` must be a non-empty path`);
  return value as string;
};

/** Validates a heartbeat config and applies the defaults; fails with `invalid_option` naming the field. */
export function resolveHeartbeatConfig(config: HeartbeatConfig = {}): ResolvedHeartbeatConfig {
  if (typeof config !== 'object' || config === null) fail('must be an object');
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.has(key)) fail(`unknown option \`${key}\``);
  }
  const intervalSeconds = config.intervalSeconds ?? 1800;
  if (!isPositiveSeconds(intervalSeconds)) fail('`intervalSeconds` must be a positive number of seconds');

  const activeHours = config.activeHours ?? null;
  if (
    activeHours !== null &&
    (!Array.isArray(activeHours) || activeHours.length !== 2 || !activeHours.every(isHour))
  ) {
    fail('`activeHours` must be [startHour, endHour] with whole hours from 0 to 24');
  }
  const timezone = config.timezone ?? 'UTC';
  if (typeof timezone !== 'string') fail('`timezone` must be an IANA time zone name');

  const quietThreshold = config.quietThreshold ?? 20;
  if (typeof quietThreshold !== 'number' || !Number.isInteger(quietThreshold) || quietThreshold < 0) {
    fail('`quietThreshold` must be a whole number of characters ≥ 0');
  }
  const backoffSteps = config.backoffSteps ?? DEFAULT_BACKOFF_STEPS;
  if (!Array.isArray(backoffSteps) || !backoffSteps.every(isPositiveSeconds)) {
    fail('`backoffSteps` must be an array of positive numbers of seconds');
  }
  const maxTicks = config.maxTicks ?? null;
  if (maxTicks !== null && (typeof maxTicks !== 'number' || !Number.isInteger(maxTicks))) {
    fail('`maxTicks` must be a whole number');
  }
  return {
    intervalSeconds,
    activeHours,
    timezone,
    quietThreshold,
    backoffSteps: [...backoffSteps],
    checklistPath: optionalPath(config.checklistPath, 'checklistPath'),
    stateDir: optionalPath(config.stateDir, 'stateDir'),
    maxTicks,
  };
}
