import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../core/events.js';
import { EventLog } from './event-log.js';
import type { LogFollower } from './log-follower.js';

/** A follower that records what it got, and how it ended. */
const recorder = (onEntry?: (entry: LogEntry) => void) => {
  const seqs: number[] = [];
  const ends: unknown[][] = [];
  const follower: LogFollower = {
    entry(entry) {
      seqs.push(entry.seq);
      onEntry?.(entry);
    },
    end(...error: unknown[]) {
      ends.push(error);
    },
  };
  return { follower, seqs, ends };
};

describe('EventLog.follow', () => {
  it('delivers the stored entries after the position before returning, then each append on the append', () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'text_delta', text: 'b' });
    const { follower, seqs, ends } = recorder();
    log.follow(1, follower);
    expect(seqs).toEqual([2]);
    log.append({ type: 'text_delta', text: 'c' });
    expect(seqs).toEqual([2, 3]);
    expect(ends).toEqual([]);
    expect(log.followerCount).toBe(1);
  });

  it('ends after the terminal entry and lets go of the follower', () => {
    const log = new EventLog();
    const { follower, seqs, ends } = recorder();
    log.follow(0, follower);
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'stream_complete', usage: {} });
    expect(seqs).toEqual([1, 2]);
    expect(ends).toEqual([[]]);
    expect(log.followerCount).toBe(0);
  });

  it('ends at once a follower that starts at or after the terminal entry of a finished log', () => {
    const log = new EventLog();
    log.append({ type: 'error', error: 'x' });
    const { follower, seqs, ends } = recorder();
    log.follow(1, follower);
    expect(seqs).toEqual([]);
    expect(ends).toEqual([[]]);
    expect(log.followerCount).toBe(0);
  });

  it('ends its followers with the closing error on close()', () => {
    const log = new EventLog();
    const { follower, ends } = recorder();
    log.follow(0, follower);
    log.close();
    expect(ends).toEqual([[]]);
    expect(log.entries().map((entry) => entry.event.type)).toEqual(['error']);
  });

  it('delivers nothing more once cancelled, and cancelling twice is harmless', () => {
    const log = new EventLog();
    const { follower, seqs, ends } = recorder();
    const stop = log.follow(0, follower);
    log.append({ type: 'text_delta', text: 'a' });
    stop();
    stop();
    expect(log.followerCount).toBe(0);
    log.append({ type: 'stream_complete', usage: {} });
    expect(seqs).toEqual([1]);
    expect(ends).toEqual([]);
  });

  it('ends a follower whose entry callback throws with the error, without failing the append', () => {
    const log = new EventLog();
    const failure = new Error('cannot frame');
    const { follower, ends } = recorder(() => {
      throw failure;
    });
    const other = recorder();
    log.follow(0, follower);
    log.follow(0, other.follower);
    expect(log.append({ type: 'text_delta', text: 'a' })).toBe(1);
    expect(ends).toEqual([[failure]]);
    expect(log.followerCount).toBe(1);
    log.append({ type: 'text_delta', text: 'b' });
    expect(other.seqs).toEqual([1, 2]);
  });

  it('keeps the order for every follower when a follower appends from its callback', () => {
    const log = new EventLog();
    const first = recorder((entry) => {
      if (entry.seq === 1) log.append({ type: 'text_delta', text: 'nested' });
    });
    const second = recorder();
    log.follow(0, first.follower);
    log.follow(0, second.follower);
    log.append({ type: 'text_delta', text: 'a' });
    expect(first.seqs).toEqual([1, 2]);
    expect(second.seqs).toEqual([1, 2]);
  });

  it('lets a follower cancel itself from its callback: nothing more reaches it', () => {
    const log = new EventLog();
    let stop = (): void => undefined;
    const { follower, seqs, ends } = recorder((entry) => {
      if (entry.seq === 2) stop();
    });
    stop = log.follow(0, follower);
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'text_delta', text: 'b' });
    log.append({ type: 'text_delta', text: 'c' });
    expect(seqs).toEqual([1, 2]);
    expect(ends).toEqual([]);
    expect(log.followerCount).toBe(0);
  });

  it('continues the numbering of another log: a position before it starts at its first entry', () => {
    const log = new EventLog({ afterSeq: 7 });
    log.append({ type: 'text_delta', text: 'a' });
    const { follower, seqs } = recorder();
    log.follow(0, follower);
    expect(seqs).toEqual([8]);
  });

  it('gives the same entries through subscribe, and a broken-off subscription leaves no follower', async () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    const subscription = log.subscribe(0);
    expect((await subscription.next()).value?.seq).toBe(1);
    expect(log.followerCount).toBe(1);
    await subscription.return();
    expect(log.followerCount).toBe(0);
  });

  it('lets go of the follower of a subscription whose signal aborts while it waits', async () => {
    const log = new EventLog();
    const controller = new AbortController();
    const reading = log.subscribe(0, controller.signal).next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.followerCount).toBe(1);
    controller.abort();
    expect((await reading).done).toBe(true);
    expect(log.followerCount).toBe(0);
  });
});
