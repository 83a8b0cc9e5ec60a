import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../core/events.js';
import type { RunDirectory, RunEventLogStore } from '../../core/stores.js';
import { createRunEventMirror } from './run-event-mirror.js';

/** A store whose first `failures` appends fail, as during a Redis blip. */
const flakyStore = (failures: number) => {
  const stored: number[] = [];
  const calls: string[] = [];
  let left = failures;
  /** The lease epoch; a fenced append under an older one is refused. */
  const lease = { epoch: 1 };
  const store: RunEventLogStore = {
    append(_runId, entries, fence) {
      calls.push('append');
      if (fence !== undefined && fence.epoch !== lease.epoch) return Promise.resolve(false);
      if (left > 0) {
        left -= 1;
        return Promise.reject(new Error('connection lost'));
      }
      for (const entry of entries) if (entry.seq > (stored.at(-1) ?? 0)) stored.push(entry.seq);
      return Promise.resolve(true);
    },
    lastSeq: () => Promise.resolve(stored.at(-1) ?? 0),
    read: async function* () {
      // Not used by the mirror.
    },
    expire(runId, ttlMs) {
      calls.push(`expire ${runId} ${ttlMs}`);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  const directory: RunDirectory = {
    setLatest: () => Promise.resolve(),
    getLatest: () => Promise.resolve(undefined),
    markFinished(sessionId, runId) {
      calls.push(`finished ${sessionId} ${runId}`);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return { store, directory, stored, calls, lease };
};

const entry = (seq: number): LogEntry => ({ seq, event: { type: 'text_delta', text: String(seq) } });

describe('createRunEventMirror', () => {
  it('writes every entry in order through failed writes, then sets retention and marks the run finished', async () => {
    const { store, directory, stored, calls } = flakyStore(3);
    const errors: unknown[] = [];
    const mirror = createRunEventMirror({
      runId: 'run_a',
      sessionId: 'sess_a',
      store,
      directory,
      retentionMs: 600_000,
      report: (error) => errors.push(error),
      minRetryDelayMs: 1,
      maxRetryDelayMs: 2,
    });
    for (let seq = 1; seq <= 50; seq += 1) mirror.push(entry(seq));
    await mirror.finish();
    expect(stored).toEqual(Array.from({ length: 50 }, (_unused, index) => index + 1));
    expect(errors).toHaveLength(3);
    expect(calls.slice(-2)).toEqual(['expire run_a 600000', 'finished sess_a run_a']);
  });

  it('stops retrying once closed', async () => {
    const { store, directory, calls } = flakyStore(Number.POSITIVE_INFINITY);
    const mirror = createRunEventMirror({
      runId: 'run_a',
      sessionId: 'sess_a',
      store,
      directory,
      retentionMs: 600_000,
      report: () => undefined,
      minRetryDelayMs: 60_000,
    });
    mirror.push(entry(1));
    const finishing = mirror.finish();
    mirror.close();
    await finishing;
    expect(calls).toEqual(['append']);
  });

  it('stops writing and reports it once another instance took the run over', async () => {
    const { store, directory, stored, calls, lease } = flakyStore(0);
    let fenced = 0;
    const mirror = createRunEventMirror({
      runId: 'run_a',
      sessionId: 'sess_a',
      store,
      directory,
      retentionMs: 600_000,
      report: () => undefined,
      fence: { epoch: 1 },
      onFenced: () => (fenced += 1),
    });
    mirror.push(entry(1));
    await new Promise((resolve) => setImmediate(resolve));
    lease.epoch = 2;
    mirror.push(entry(2));
    mirror.push(entry(3));
    await mirror.finish();
    expect(stored).toEqual([1]);
    expect(fenced).toBe(1);
    // The new owner sets retention and marks the run finished, not this instance.
    expect(calls.filter((call) => call !== 'append')).toEqual([]);
  });

  it('stores a stream_error in place of an event JSON cannot encode, and keeps the sequence whole', async () => {
    const stored: LogEntry[] = [];
    const written: number[] = [];
    const { directory } = flakyStore(0);
    const store: RunEventLogStore = {
      append(_runId, entries) {
        for (const entry of entries) JSON.stringify(entry.event);
        stored.push(...entries);
        return Promise.resolve(true);
      },
      lastSeq: () => Promise.resolve(stored.at(-1)?.seq ?? 0),
      read: async function* () {
        // Not used by the mirror.
      },
      expire: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const mirror = createRunEventMirror({
      runId: 'run_a',
      sessionId: 'sess_a',
      store,
      directory,
      retentionMs: 600_000,
      report: () => undefined,
      onWritten: (seq) => written.push(seq),
    });
    mirror.push(entry(1));
    mirror.push({
      seq: 2,
      event: {
        type: 'tool_call_complete',
        tool_call_id: 'toolu_1',
        tool_name: 'count',
        result: { rows: 10n },
        error: null,
        duration_ms: 1,
        server: null,
      },
    });
    await mirror.finish();
    expect(stored.map((stored) => [stored.seq, stored.event.type])).toEqual([
      [1, 'text_delta'],
      [2, 'stream_error'],
    ]);
    expect(written.at(-1)).toBe(2);
  });
  it('lets the readers of a stored batch run before it sends the next batch', async () => {
    const { store, directory } = flakyStore(0);
    const order: string[] = [];
    const append = store.append.bind(store);
    store.append = (runId, entries, fence) => {
      order.push(`append ${entries.map((stored) => stored.seq).join(',')}`);
      return append(runId, entries, fence);
    };
    const mirror = createRunEventMirror({
      runId: 'run_a',
      sessionId: 'sess_a',
      store,
      directory,
      retentionMs: 600_000,
      report: () => undefined,
      // A reader woken by the reveal goes on through a chain of promises, as an SSE stream does.
      onWritten: (seq) => {
        order.push(`revealed ${seq}`);
        void Promise.resolve()
          .then(() => undefined)
          .then(() => order.push(`reader saw ${seq}`));
      },
    });
    mirror.push(entry(1));
    // Appended while the first batch is being written: they wait for the next one.
    mirror.push(entry(2));
    mirror.push(entry(3));
    await mirror.flush();
    expect(order).toEqual([
      'append 1',
      'revealed 1',
      'reader saw 1',
      'append 2,3',
      'revealed 3',
      'reader saw 3',
    ]);
  });
});
