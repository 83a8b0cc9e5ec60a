import { describe, expect, it } from 'vitest';
import { ChatRunEventLog } from '../chat/chat-run-event-log.js';
import type { SseSink } from './sse-session-contract.js';
import { startSseSession } from './sse-session.js';
import { formatStreamResumeNotice } from './stream-resume-notice.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Streams `log` from its start into memory, ending an abandoned log with `stream_resume`. */
const streamOf = (log: ChatRunEventLog) => {
  const state = { text: '', ended: false, abandoned: [] as string[] };
  const sink: SseSink = {
    write(chunk, end) {
      state.text += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
      if (end) state.ended = true;
      return chunk.length;
    },
    unsentBytes: () => 0,
    end: () => void (state.ended = true),
    drop: () => void (state.ended = true),
  };
  startSseSession(
    {
      entries: log.feed(0),
      signal: new AbortController().signal,
      runId: 'r1',
      onAbandoned: (reason) => state.abandoned.push(reason),
      endNotice: () =>
        log.abandoned ? formatStreamResumeNotice('r1', log.lastVisibleSeq, 'handed_over') : undefined,
    },
    sink,
  );
  return state;
};

describe('a stream whose run goes on elsewhere', () => {
  it('ends with stream_resume naming the last event the client may see, without an id of its own', async () => {
    const log = new ChatRunEventLog();
    log.append({ type: 'text_delta', text: 'a' });
    log.holdBack();
    // Not yet in the shared store: the client never sees it, and resumes from before it.
    log.append({ type: 'text_delta', text: 'b' });
    const state = streamOf(log);
    await settle();
    log.abandon();
    await settle();
    expect(state.text).toBe(
      'id: r1:1\ndata: {"type":"text_delta","text":"a"}\n\n' +
        'data: {"type":"stream_resume","reason":"handed_over","last_event_id":"r1:1"}\n\n',
    );
    expect(state.ended).toBe(true);
    // A complete end: nobody cancels the run for a client that left.
    expect(state.abandoned).toEqual([]);
  });

  it('sends no stream_resume when the run ends here with its terminal event', async () => {
    const log = new ChatRunEventLog();
    const state = streamOf(log);
    await settle();
    log.append({ type: 'stream_complete', usage: {} });
    await settle();
    expect(state.text).toBe('id: r1:1\ndata: {"type":"stream_complete","usage":{}}\n\n');
    expect(state.ended).toBe(true);
  });
});
