import { describe, expect, it } from 'vitest';
import type { Logger } from '../../core/logger.js';
import { silentLogger } from '../../core/logger.js';
import { isWithinActiveHours } from './is-within-active-hours.js';

const utc = (hour: number, minute = 0): Date => new Date(Date.UTC(2025, 0, 15, hour, minute));

describe('isWithinActiveHours', () => {
  it('is always active without a window and never with an empty one', () => {
    expect(isWithinActiveHours(null, 'UTC', utc(3))).toBe(true);
    expect(isWithinActiveHours(undefined, 'UTC', utc(3))).toBe(true);
    expect(isWithinActiveHours([9, 9], 'UTC', utc(9))).toBe(false);
  });

  it('uses a half-open window [start, end)', () => {
    expect(isWithinActiveHours([9, 17], 'UTC', utc(8, 59))).toBe(false);
    expect(isWithinActiveHours([9, 17], 'UTC', utc(9))).toBe(true);
    expect(isWithinActiveHours([9, 17], 'UTC', utc(16, 59))).toBe(true);
    expect(isWithinActiveHours([9, 17], 'UTC', utc(17))).toBe(false);
  });

  it('wraps an overnight window past midnight', () => {
    expect(isWithinActiveHours([22, 6], 'UTC', utc(23))).toBe(true);
    expect(isWithinActiveHours([22, 6], 'UTC', utc(0))).toBe(true);
    expect(isWithinActiveHours([22, 6], 'UTC', utc(5, 59))).toBe(true);
    expect(isWithinActiveHours([22, 6], 'UTC', utc(6))).toBe(false);
    expect(isWithinActiveHours([22, 6], 'UTC', utc(12))).toBe(false);
  });

  it('reads the hour in the given IANA zone', () => {
    // 12:00 UTC is 21:00 in Tokyo (UTC+9, no daylight saving) and 07:00 in New York in January.
    expect(isWithinActiveHours([20, 22], 'Asia/Tokyo', utc(12))).toBe(true);
    expect(isWithinActiveHours([20, 22], 'UTC', utc(12))).toBe(false);
    expect(isWithinActiveHours([7, 8], 'America/New_York', utc(12))).toBe(true);
  });

  it('falls back to UTC with a warning for an unknown zone', () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message) => void warnings.push(message) };
    expect(isWithinActiveHours([12, 13], 'Mars/Olympus_Mons', utc(12), logger)).toBe(true);
    expect(isWithinActiveHours([20, 22], 'Mars/Olympus_Mons', utc(12), logger)).toBe(false);
    expect(warnings).toEqual([
      "Invalid heartbeat timezone 'Mars/Olympus_Mons'; falling back to UTC",
      "Invalid heartbeat timezone 'Mars/Olympus_Mons'; falling back to UTC",
    ]);
  });

  it('treats a blank zone as UTC without a warning', () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message) => void warnings.push(message) };
    expect(isWithinActiveHours([12, 13], '', utc(12), logger)).toBe(true);
    expect(warnings).toEqual([]);
  });
});
