import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../core/events.js';
import { EventLog } from './event-log.js';

const collect = async (iterable: AsyncIterable<LogEntry>): Promise<number[]> => {
  const seqs: number[] = [];
  for await (const entry of iterable) seqs.push(entry.seq);
  return seqs;
};

describe('EventLog', () => {
  it('numbers entries 1, 2, 3 in append order', () => {
    const log = new EventLog();
    expect(log.append({ type: 'text_delta', text: 'a' })).toBe(1);
    expect(log.append({ type: 'text_delta', text: 'b' })).toBe(2);
    expect(log.append({ type: 'thinking_delta', text: 'c' })).toBe(3);
    expect(log.lastSeq).toBe(3);
    expect(log.entries().map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(log.entries(2)).toEqual([{ seq: 3, event: { type: 'thinking_delta', text: 'c' } }]);
  });

  it('returns a copy from entries()', () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    log.entries().pop();
    expect(log.entries()).toHaveLength(1);
  });

  it('finishes on a terminal event and drops later appends', () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    expect(log.finished).toBe(false);
    expect(log.append({ type: 'stream_complete', usage: {} })).toBe(2);
    expect(log.finished).toBe(true);
    expect(log.append({ type: 'text_delta', text: 'late' })).toBeUndefined();
    expect(log.lastSeq).toBe(2);
  });

  it('treats an error event as terminal too', () => {
    const log = new EventLog();
    log.append({ type: 'error', error: 'boom' });
    expect(log.finished).toBe(true);
  });

  it('close() adds "stream closed" when no terminal event was written, once', () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    log.close();
    log.close();
    expect(log.entries().map((entry) => entry.event)).toEqual([
      { type: 'text_delta', text: 'a' },
      { type: 'error', error: 'stream closed' },
    ]);
  });

  it('close() adds nothing after a terminal event', () => {
    const log = new EventLog();
    log.append({ type: 'stream_complete', usage: {} });
    log.close();
    expect(log.entries()).toHaveLength(1);
  });

  it('notifies onAppend listeners until they unsubscribe, ignoring a throwing one', () => {
    const log = new EventLog();
    const seen: number[] = [];
    log.onAppend(() => {
      throw new Error('observer bug');
    });
    const unsubscribe = log.onAppend((entry) => seen.push(entry.seq));
    log.append({ type: 'text_delta', text: 'a' });
    unsubscribe();
    log.append({ type: 'text_delta', text: 'b' });
    expect(seen).toEqual([1]);
    expect(log.lastSeq).toBe(2);
  });

  it('subscribe replays from a sequence number, then follows live entries to the terminal one', async () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'text_delta', text: 'b' });
    const subscription = collect(log.subscribe(1));
    await Promise.resolve();
    log.append({ type: 'text_delta', text: 'c' });
    log.append({ type: 'stream_complete', usage: {} });
    log.append({ type: 'text_delta', text: 'dropped' });
    expect(await subscription).toEqual([2, 3, 4]);
  });

  it('subscribe on a finished log yields the stored tail and ends', async () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    log.close();
    expect(await collect(log.subscribe())).toEqual([1, 2]);
    expect(await collect(log.subscribe(2))).toEqual([]);
  });

  it('serves several live subscribers at once', async () => {
    const log = new EventLog();
    const first = collect(log.subscribe());
    const second = collect(log.subscribe());
    await Promise.resolve();
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'error', error: 'x' });
    expect(await first).toEqual([1, 2]);
    expect(await second).toEqual([1, 2]);
  });

  it('ends a waiting subscription when its signal aborts, leaving no listener behind', async () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    const controller = new AbortController();
    const subscription = collect(log.subscribe(0, controller.signal));
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(await subscription).toEqual([1]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // The log keeps working for others after an abandoned subscriber.
    log.append({ type: 'stream_complete', usage: {} });
    expect(await collect(log.subscribe())).toEqual([1, 2]);
  });

  it('removes its abort listener after each wake-up of a live subscription', async () => {
    const log = new EventLog();
    const controller = new AbortController();
    const subscription = collect(log.subscribe(0, controller.signal));
    for (let index = 0; index < 5; index += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      log.append({ type: 'text_delta', text: String(index) });
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    log.append({ type: 'stream_complete', usage: {} });
    expect(await subscription).toEqual([1, 2, 3, 4, 5, 6]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('does not start a subscription whose signal is already aborted', async () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    expect(await collect(log.subscribe(0, AbortSignal.abort()))).toEqual([]);
  });

  it('continues the sequence of another log when it starts after a given seq', async () => {
    const log = new EventLog({ afterSeq: 7 });
    expect(log.firstSeq).toBe(8);
    expect(log.lastSeq).toBe(7);
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'stream_complete', usage: {} });
    expect(log.entries().map((entry) => entry.seq)).toEqual([8, 9]);
    expect(log.entries(8).map((entry) => entry.seq)).toEqual([9]);
    const seen: number[] = [];
    for await (const entry of log.subscribe(8)) seen.push(entry.seq);
    expect(seen).toEqual([9]);
  });
});
