/** Whether an instance's own heartbeat has been steady long enough to judge others by theirs. */
export interface HeartbeatStreak {
  /** A heartbeat sent at `sentAt` (`performance.now()`) was confirmed by Redis. */
  confirmed(sentAt: number): void;
  /** True once heartbeats were confirmed without a gap of `silentMs` for at least `silentMs`. */
  mayJudge(): boolean;
}

/**
 * Tracks the current unbroken run of confirmed heartbeats. When Redis was out of reach for
 * `silentMs` or more, every instance fell silent at once; judging the others right after the
 * reconnect would take over the runs of instances that are merely reconnecting too, so an
 * instance waits until its own heartbeat has been steady for `silentMs` (by then the others,
 * if alive, have beaten again).
 */
export function trackHeartbeatStreak(silentMs: number): HeartbeatStreak {
  let streakStart: number | undefined;
  let lastConfirmed: number | undefined;
  return {
    confirmed(sentAt) {
      if (lastConfirmed === undefined || sentAt - lastConfirmed >= silentMs) streakStart = sentAt;
      lastConfirmed = Math.max(lastConfirmed ?? sentAt, sentAt);
    },
    mayJudge() {
      if (streakStart === undefined || lastConfirmed === undefined) return false;
      return lastConfirmed - streakStart >= silentMs && performance.now() - lastConfirmed < silentMs;
    },
  };
}
