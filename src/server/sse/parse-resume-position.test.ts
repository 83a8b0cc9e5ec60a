import { describe, expect, it } from 'vitest';
import { isHttpError } from '../../core/http-error.js';
import { parseResumePosition } from './parse-resume-position.js';

describe('parseResumePosition', () => {
  it('reads "<run>:<seq>", a bare sequence number, and nothing as the start', () => {
    expect(parseResumePosition('0a1b2c3d4e5f60718293a4b5:17')).toEqual({
      runId: '0a1b2c3d4e5f60718293a4b5',
      seq: 17,
    });
    // A drawn id as this version draws them: its draw time, then 96 random bits.
    expect(parseResumePosition('019ac1d2e3f40a1b2c3d4e5f60718293a4b5:3')).toEqual({
      runId: '019ac1d2e3f40a1b2c3d4e5f60718293a4b5',
      seq: 3,
    });
    expect(parseResumePosition('fire_sch_0a1b_1767229130279:2')).toEqual({
      runId: 'fire_sch_0a1b_1767229130279',
      seq: 2,
    });
    // A run id of before ids grew to 96 bits.
    expect(parseResumePosition('0a1b2c3d4e5f:17')).toEqual({ runId: '0a1b2c3d4e5f', seq: 17 });
    expect(parseResumePosition(' 5 ')).toEqual({ runId: undefined, seq: 5 });
    expect(parseResumePosition(undefined)).toEqual({ runId: undefined, seq: 0 });
    expect(parseResumePosition('')).toEqual({ runId: undefined, seq: 0 });
  });

  it('refuses anything else with a 400 that explains the format', () => {
    for (const value of ['abc', '-1', '1.5', 'zzzzzzzzzzzz:1', '0a1b2c3d4e5f:', '1e3', '0a1b2c3d4e5f6:1']) {
      try {
        parseResumePosition(value);
        expect.unreachable(`accepted ${value}`);
      } catch (error) {
        expect(isHttpError(error, 400)).toBe(true);
      }
    }
  });
});
