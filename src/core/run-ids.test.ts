import { describe, expect, it } from 'vitest';
import { drawTimeOfRunId, RUN_ID_PATTERN_SOURCE, runIdOfFire } from './run-ids.js';

const runId = new RegExp(`^(?:${RUN_ID_PATTERN_SOURCE})$`);
const SCHEDULE = `sch_${'ab'.repeat(16)}`;

describe('runIdOfFire', () => {
  it('gives two fires whose 48-bit hashes agree ids of their own', () => {
    // sha256("sch_collide@<due>") starts with 1746fb9bb4ed for both due times (found by search):
    // the 12 hex digits fires had before were the same for both.
    expect(runIdOfFire('sch_collide', 1_767_229_130_279)).not.toBe(
      runIdOfFire('sch_collide', 1_767_235_575_186),
    );
  });

  it('never takes the syntax of a drawn run id (12, 24 or 36 hex digits)', () => {
    const id = runIdOfFire(SCHEDULE, 1_767_229_130_279);
    expect(id).not.toMatch(/^(?:[0-9a-f]{12}|[0-9a-f]{24}|[0-9a-f]{36})$/);
    expect(drawTimeOfRunId(id)).toBeUndefined();
  });

  it('tells apart fires whose schedule ids and due times would join into the same text', () => {
    expect(runIdOfFire('sch_a_1', 23)).not.toBe(runIdOfFire('sch_a', 123));
    expect(runIdOfFire('sch_a_1', 23)).not.toBe(runIdOfFire('sch_a_12', 3));
  });

  it('refuses a schedule id outside the syntax and a due time that is not a whole millisecond', () => {
    expect(() => runIdOfFire('sch:a', 1)).toThrow(/schedule id/);
    expect(() => runIdOfFire('sch.a', 1)).toThrow(/schedule id/);
    expect(() => runIdOfFire(SCHEDULE, 1.5)).toThrow(/due at/);
    expect(() => runIdOfFire(SCHEDULE, -1)).toThrow(/due at/);
  });
});

describe('RUN_ID_PATTERN_SOURCE', () => {
  it('matches every run id the gateway makes or made, and nothing with a separator in it', () => {
    for (const id of [
      '0123456789ab',
      '0123456789abcdef01234567',
      '0123456789abcdef0123456789abcdef0123',
      runIdOfFire(SCHEDULE, 1_767_229_130_279),
      runIdOfFire(SCHEDULE, 0),
    ]) {
      expect(id).toMatch(runId);
    }
    for (const id of [
      '',
      '0123456789a',
      '0123456789AB',
      'abc:1',
      'fire_sch.a_1',
      'fire_sch_01',
      'x'.repeat(36),
    ]) {
      expect(id).not.toMatch(runId);
    }
  });
});
