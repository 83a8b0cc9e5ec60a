/** Whether an instance's own heartbeat has been steady long enough to judge others by theirs. */
export interface HeartbeatStreak {
  /**
   * A heartbeat sent at `sentAt` was answered at `answeredAt` (both `performance.now()`).
   * Returns true when, before it, this instance may have looked silent to the others for
   * `silentMs` (they may have taken its runs over); false on the first heartbeat.
   */
  confirmed(sentAt: number, answeredAt: number): boolean;
  /** True once heartbeats were confirmed without a possible silence for at least `silentMs`. */
  mayJudge(): boolean;
}

/**
 * Tracks the current unbroken run of confirmed heartbeats. When Redis was out of reach for
 * `silentMs` or more, every instance fell silent at once; judging the others right after the
 * reconnect would take over the runs of instances that are merely reconnecting too, so an
 * instance waits until its own heartbeat has been steady for `silentMs` (by then the others,
 * if alive, have beaten again). Between two confirmed heartbeats Redis recorded nothing newer
 * than the first one's sending, so the possible silence is measured from there to the answer.
 */
export function trackHeartbeatStreak(silentMs: number): HeartbeatStreak {
  let streakStart: number | undefined;
  let lastSent: number | undefined;
  let lastAnswered: number | undefined;
  return {
    confirmed(sentAt, answeredAt) {
      const first = lastSent === undefined;
      const silent = lastSent !== undefined && answeredAt - lastSent >= silentMs;
      if (first || silent) streakStart = answeredAt;
      lastSent = Math.max(lastSent ?? sentAt, sentAt);
      lastAnswered = Math.max(lastAnswered ?? answeredAt, answeredAt);
      return silent;
    },
    mayJudge() {
      if (streakStart === undefined || lastAnswered === undefined || lastSent === undefined) return false;
      return lastAnswered - streakStart >= silentMs && performance.now() - lastSent < silentMs;
    },
  };
}
