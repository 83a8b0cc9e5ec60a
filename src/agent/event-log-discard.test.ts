import { describe, expect, it } from 'vitest';
import type { GatewayEvent, LogEntry } from '../core/events.js';
import { EventLog } from './event-log.js';

const notice: GatewayEvent = { type: 'error', error: 'gone', code: 'stream_truncated' };
const delta = (text: string): GatewayEvent => ({ type: 'text_delta', text });
const end: GatewayEvent = { type: 'error', error: 'cancelled' };

/** Follows `log` from after `afterSeq` and returns what was pushed and whether it ended. */
const followFrom = (log: EventLog, afterSeq: number): { entries: LogEntry[]; ended: boolean } => {
  const seen = { entries: [] as LogEntry[], ended: false };
  log.follow(afterSeq, {
    entry: (entry) => seen.entries.push(entry),
    end: () => {
      seen.ended = true;
    },
  });
  return seen;
};

describe('EventLog.discardOldest', () => {
  it('keeps the newest entries that fit and tells a reader from before them that they are gone', () => {
    const log = new EventLog();
    for (const text of ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)]) log.append(delta(text));
    log.append(end);
    const kept = log.discardOldest(300, notice);
    expect(log.firstSeq).toBe(3);
    expect(kept).toBeLessThanOrEqual(300);
    expect(followFrom(log, 0)).toEqual({ entries: [{ seq: 4, event: notice }], ended: true });
    expect(followFrom(log, 2).entries.map((entry) => entry.seq)).toEqual([3, 4]);
  });

  it('reports what a log within its budget holds, then what is left after a trim', () => {
    const log = new EventLog();
    for (const text of ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)]) log.append(delta(text));
    log.append(end);
    const whole = log.discardOldest(10_000, notice);
    expect(whole).toBeGreaterThan(300);
    expect(log.firstSeq).toBe(1);
    expect(log.discardOldest(whole, notice)).toBe(whole);
    const trimmed = log.discardOldest(300, notice);
    expect(log.firstSeq).toBe(3);
    // A second call within the new budget keeps the figure of the entries still held.
    expect(log.discardOldest(300, notice)).toBe(trimmed);
    expect(log.discardOldest(trimmed, notice)).toBe(trimmed);
    expect(log.discardOldest(10_000, notice)).toBe(trimmed);
    expect(log.firstSeq).toBe(3);
  });

  it('only measures a log that has not finished: its readers may need every entry', () => {
    const log = new EventLog();
    log.append(delta('a'.repeat(100)));
    log.append(delta('b'.repeat(100)));
    expect(log.discardOldest(10, notice)).toBeGreaterThan(200);
    expect(followFrom(log, 0).entries).toHaveLength(2);
  });

  it('keeps the entries readers have not been shown yet', () => {
    const gated = new GatedLog();
    gated.append(delta('a'.repeat(100)));
    gated.append(delta('b'.repeat(100)));
    gated.append(end);
    gated.discardOldest(0, notice);
    expect(gated.firstSeq).toBe(1);
  });
});

/** A log whose readers see nothing yet (as a chat run's log before its entries are stored). */
class GatedLog extends EventLog {
  protected override visibleSeq(): number {
    return 0;
  }
}
