import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../core/events.js';
import { ChatRunEventLog } from './chat-run-event-log.js';

const collect = async (iterable: AsyncIterable<LogEntry>): Promise<number[]> => {
  const seqs: number[] = [];
  for await (const entry of iterable) seqs.push(entry.seq);
  return seqs;
};

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ChatRunEventLog', () => {
  it('ends its readers without a terminal event when abandoned', async () => {
    const log = new ChatRunEventLog();
    log.append({ type: 'text_delta', text: 'a' });
    const reading = (async () => {
      const seen: string[] = [];
      for await (const entry of log.subscribe(0)) seen.push(entry.event.type);
      return seen;
    })();
    log.abandon();
    expect(await reading).toEqual(['text_delta']);
    expect(log.finished).toBe(true);
    expect(log.abandoned).toBe(true);
    expect(log.append({ type: 'text_delta', text: 'late' })).toBeUndefined();
    log.close();
    expect(log.lastSeq).toBe(1);
  });

  it('shows gated readers only what was revealed, and the end once it is', async () => {
    const log = new ChatRunEventLog();
    log.holdBack();
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'stream_complete', usage: {} });
    const seen: number[] = [];
    const reading = (async () => {
      for await (const entry of log.subscribe(0)) seen.push(entry.seq);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
    log.reveal(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([1]);
    log.revealAll();
    await reading;
    expect(seen).toEqual([1, 2]);
  });

  it('ends gated readers at what they could see when abandoned', async () => {
    const log = new ChatRunEventLog();
    log.holdBack();
    log.append({ type: 'text_delta', text: 'stored' });
    log.reveal(1);
    log.append({ type: 'text_delta', text: 'never stored' });
    const seen: number[] = [];
    const reading = (async () => {
      for await (const entry of log.subscribe(0)) seen.push(entry.seq);
    })();
    log.abandon();
    log.revealAll();
    await reading;
    expect(seen).toEqual([1]);
  });

  it('serves readers like a plain log while nothing is held back', async () => {
    const log = new ChatRunEventLog({ afterSeq: 3 });
    const reading = collect(log.subscribe(0));
    log.append({ type: 'text_delta', text: 'a' });
    await settle();
    log.append({ type: 'stream_complete', usage: {} });
    expect(await reading).toEqual([4, 5]);
    expect(log.finished).toBe(true);
    expect(log.abandoned).toBe(false);
  });

  it('gives a reader that was behind when the log was abandoned what it may still see', async () => {
    const log = new ChatRunEventLog();
    log.holdBack();
    for (const text of ['a', 'b', 'c']) log.append({ type: 'text_delta', text });
    log.reveal(2);
    const seen: number[] = [];
    const reader = log.subscribe(0);
    const first = await reader.next();
    if (!first.done) seen.push(first.value.seq);
    log.abandon();
    for await (const entry of reader) seen.push(entry.seq);
    expect(seen).toEqual([1, 2]);
    // A reader that arrives after the abandonment sees the same.
    expect(await collect(log.subscribe(1))).toEqual([2]);
  });

  it('ends a reader waiting for an append when the log is abandoned', async () => {
    const log = new ChatRunEventLog();
    log.append({ type: 'text_delta', text: 'a' });
    const reading = collect(log.subscribe(0));
    await settle();
    log.abandon();
    expect(await reading).toEqual([1]);
  });

  it('ends a reader waiting for a reveal when its signal aborts, leaving no listener behind', async () => {
    const log = new ChatRunEventLog();
    log.holdBack();
    log.append({ type: 'text_delta', text: 'a' });
    const controller = new AbortController();
    const reading = collect(log.subscribe(0, controller.signal));
    await settle();
    controller.abort();
    expect(await reading).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('leaves an abandoned log finished: close() appends nothing', () => {
    const log = new ChatRunEventLog();
    log.append({ type: 'text_delta', text: 'a' });
    log.abandon();
    log.close();
    expect(log.entries().map((entry) => entry.event.type)).toEqual(['text_delta']);
    // A log that ended with its terminal event is not abandoned afterwards.
    const ended = new ChatRunEventLog();
    ended.append({ type: 'stream_complete', usage: {} });
    ended.abandon();
    expect(ended.abandoned).toBe(false);
  });
});
