import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { trackHeartbeatStreak } from './heartbeat-streak.js';

describe('trackHeartbeatStreak', () => {
  // `mayJudge` compares with `performance.now()`: faked, so that time is set by the test.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Confirms a heartbeat sent now and answered `roundTripMs` later, then moves on `gapMs`. */
  const beat = (streak: ReturnType<typeof trackHeartbeatStreak>, roundTripMs: number, gapMs: number) => {
    const sentAt = performance.now();
    vi.advanceTimersByTime(roundTripMs);
    const silent = streak.confirmed(sentAt, performance.now());
    vi.advanceTimersByTime(gapMs);
    return silent;
  };

  it('lets an instance judge others only after its own steady heartbeats covered the silence', () => {
    const streak = trackHeartbeatStreak(300);
    expect(streak.mayJudge()).toBe(false);
    expect(beat(streak, 5, 95)).toBe(false);
    expect(streak.mayJudge()).toBe(false);
    for (let index = 0; index < 3; index += 1) beat(streak, 5, 95);
    expect(streak.mayJudge()).toBe(true);
  });

  it('reports a heartbeat answered after a possible silence, and starts the streak again', () => {
    const streak = trackHeartbeatStreak(300);
    for (let index = 0; index < 5; index += 1) beat(streak, 5, 95);
    expect(streak.mayJudge()).toBe(true);
    // Redis answers this one only after 2 s: the others may have judged this instance silent.
    expect(beat(streak, 2_000, 95)).toBe(true);
    expect(streak.mayJudge()).toBe(false);
    // Redis may have run the late one as soon as it was sent: the next one may end a silence
    // too (it is reported again, to be safe), and from then on the beats are steady.
    expect(beat(streak, 5, 95)).toBe(true);
    for (let index = 0; index < 4; index += 1) expect(beat(streak, 5, 95)).toBe(false);
    expect(streak.mayJudge()).toBe(true);
  });

  it('stops judging while its own heartbeats go unanswered', () => {
    const streak = trackHeartbeatStreak(300);
    for (let index = 0; index < 5; index += 1) beat(streak, 5, 95);
    vi.advanceTimersByTime(400);
    expect(streak.mayJudge()).toBe(false);
  });
});
