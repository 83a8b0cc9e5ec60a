import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../agent/event-log.js';
import type { SseSink, SseStreamOptions } from './sse-session-contract.js';
import { startSseSession } from './sse-session.js';

/** A sink that keeps what was written and whether the body ended. */
const memorySink = () => {
  const state = { text: '', ended: false };
  const sink: SseSink = {
    write(chunk, end) {
      const text = typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
      state.text += text;
      if (end) state.ended = true;
      return chunk.length;
    },
    unsentBytes: () => 0,
    end() {
      state.ended = true;
    },
    drop() {
      state.ended = true;
    },
  };
  return { sink, state };
};

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const run = async (entries: SseStreamOptions['entries'], log: EventLog) => {
  const { sink, state } = memorySink();
  const closed: string[] = [];
  startSseSession(
    {
      entries,
      signal: new AbortController().signal,
      runId: 'r1',
      onAbandoned: (reason) => closed.push(`abandoned: ${reason}`),
      onClosed: () => closed.push('closed'),
    },
    sink,
  );
  await settle();
  log.append({ type: 'text_delta', text: 'b' });
  await settle();
  log.append({ type: 'stream_complete', usage: {} });
  await settle();
  return { text: state.text, ended: state.ended, closed };
};

describe('startSseSession with a push feed', () => {
  it('writes the same frames as the async-iterable reading of the same log', async () => {
    const fed = new EventLog();
    fed.append({ type: 'text_delta', text: 'a' });
    const iterated = new EventLog();
    iterated.append({ type: 'text_delta', text: 'a' });
    const byFeed = await run(fed.feed(0), fed);
    const byIterable = await run((signal) => iterated.subscribe(0, signal), iterated);
    expect(byFeed).toEqual(byIterable);
    expect(byFeed.text).toBe(
      'id: r1:1\ndata: {"type":"text_delta","text":"a"}\n\n' +
        'id: r1:2\ndata: {"type":"text_delta","text":"b"}\n\n' +
        'id: r1:3\ndata: {"type":"stream_complete","usage":{}}\n\n',
    );
    expect(byFeed.ended).toBe(true);
    expect(byFeed.closed).toEqual(['closed']);
    expect(fed.followerCount).toBe(0);
  });

  it('lets go of the log and of the request signal when the client leaves while the run is quiet', async () => {
    const log = new EventLog();
    const client = new AbortController();
    const { sink, state } = memorySink();
    const abandoned: string[] = [];
    startSseSession(
      { entries: log.feed(0), signal: client.signal, onAbandoned: (reason) => abandoned.push(reason) },
      sink,
    );
    await settle();
    expect(log.followerCount).toBe(1);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(1);
    client.abort();
    await settle();
    expect(log.followerCount).toBe(0);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
    expect(abandoned).toEqual(['client disconnected']);
    expect(state.ended).toBe(true);
    log.append({ type: 'text_delta', text: 'late' });
    expect(state.text).toBe('');
  });

  it('ends at a catch-up that already holds the terminal entry', async () => {
    const log = new EventLog();
    log.append({ type: 'text_delta', text: 'a' });
    log.append({ type: 'error', error: 'boom' });
    const { sink, state } = memorySink();
    const abandoned: string[] = [];
    startSseSession(
      {
        entries: log.feed(1),
        signal: new AbortController().signal,
        onAbandoned: (reason) => abandoned.push(reason),
      },
      sink,
    );
    await settle();
    expect(state.text).toBe('id: 2\ndata: {"type":"error","error":"boom"}\n\n');
    expect(state.ended).toBe(true);
    expect(abandoned).toEqual([]);
    expect(log.followerCount).toBe(0);
  });

  it('sends the failure frame and stops following when an entry cannot be framed', async () => {
    const log = new EventLog();
    const { sink, state } = memorySink();
    const abandoned: string[] = [];
    startSseSession(
      {
        entries: log.feed(0),
        signal: new AbortController().signal,
        onAbandoned: (reason) => abandoned.push(reason),
        framing: {
          frame: () => {
            throw new Error('no');
          },
          ping: () => '',
          failure: (message) => `failed: ${message}\n\n`,
        },
      },
      sink,
    );
    await settle();
    log.append({ type: 'text_delta', text: 'a' });
    await settle();
    expect(state.text).toBe('failed: SSE serialization failed: no\n\n');
    expect(state.ended).toBe(true);
    expect(abandoned).toEqual(['an event could not be serialised']);
    expect(log.followerCount).toBe(0);
  });
});
