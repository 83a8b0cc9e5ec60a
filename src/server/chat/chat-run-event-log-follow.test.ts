import { describe, expect, it } from 'vitest';
import type { LogFollower } from '../../agent/log-follower.js';
import { ChatRunEventLog } from './chat-run-event-log.js';

const recorder = () => {
  const seqs: number[] = [];
  let ends = 0;
  const follower: LogFollower = {
    entry: (entry) => void seqs.push(entry.seq),
    end: () => void (ends += 1),
  };
  return { follower, seqs, ends: () => ends };
};

describe('ChatRunEventLog.follow', () => {
  it('delivers a gated entry only once revealed, the terminal one included', () => {
    const log = new ChatRunEventLog();
    log.append({ type: 'text_delta', text: 'a' });
    log.holdBack();
    log.append({ type: 'text_delta', text: 'b' });
    log.append({ type: 'stream_complete', usage: {} });
    const { follower, seqs, ends } = recorder();
    log.follow(0, follower);
    expect(seqs).toEqual([1]);
    log.reveal(2);
    expect(seqs).toEqual([1, 2]);
    expect(ends()).toBe(0);
    log.reveal(3);
    expect(seqs).toEqual([1, 2, 3]);
    expect(ends()).toBe(1);
    expect(log.followerCount).toBe(0);
  });

  it('delivers everything held back on revealAll', () => {
    const log = new ChatRunEventLog();
    log.holdBack();
    const { follower, seqs } = recorder();
    log.follow(0, follower);
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'text_delta', text: 'b' });
    expect(seqs).toEqual([]);
    log.revealAll();
    expect(seqs).toEqual([1, 2]);
    log.append({ type: 'text_delta', text: 'c' });
    expect(seqs).toEqual([1, 2, 3]);
  });

  it('ends its followers at what they may see, without a terminal entry, when abandoned', () => {
    const log = new ChatRunEventLog();
    log.holdBack();
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'text_delta', text: 'b' });
    log.reveal(1);
    const waiting = recorder();
    log.follow(0, waiting.follower);
    log.abandon();
    expect(waiting.seqs).toEqual([1]);
    expect(waiting.ends()).toBe(1);
    expect(log.followerCount).toBe(0);
    // A follower arriving afterwards gets the same, and ends at once.
    const late = recorder();
    log.follow(0, late.follower);
    expect(late.seqs).toEqual([1]);
    expect(late.ends()).toBe(1);
    log.revealAll();
    expect(log.followerCount).toBe(0);
  });

  it('leaves nothing behind when a follower waiting for a reveal is cancelled', () => {
    const log = new ChatRunEventLog();
    log.holdBack();
    log.append({ type: 'text_delta', text: 'a' });
    const { follower, seqs, ends } = recorder();
    const stop = log.follow(0, follower);
    stop();
    expect(log.followerCount).toBe(0);
    log.revealAll();
    log.append({ type: 'stream_complete', usage: {} });
    expect(seqs).toEqual([]);
    expect(ends()).toBe(0);
  });
});
