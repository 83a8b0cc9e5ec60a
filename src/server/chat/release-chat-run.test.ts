import { describe, expect, it } from 'vitest';
import { createMemorySlotCounter } from '../../stores/memory/memory-slot-counter.js';
import { createMemoryStores } from '../../stores/memory/create-memory-stores.js';
import { releaseChatRun, type ReleasableRun } from './release-chat-run.js';
import { createRunCaps } from './run-caps.js';

/** A promise settled from outside. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** The names of calls in order, written one step of the release a line. */
const order = (text: string): string[] => text.trim().split(/\s+/);

/** Lets every settled promise's callbacks run (no timer, no time passes). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Setup {
  /** The run moved to another instance (lost, or handed over). */
  elsewhere?: boolean;
  /** The stores are shared: the run has its sharing and a steering subscription. */
  shared?: boolean;
  /** The run's end is being written. */
  ended?: boolean;
  /** The run has a suspender whose release answers this (a suspension to lift). */
  lifted?: boolean;
  /** The named calls throw (synchronous ones) or reject (the others). */
  failing?: readonly string[];
  /** What the thread lock's release waits for. */
  threadReleased?: Promise<void>;
  /** What the run's `done` waits for. */
  done?: Promise<void>;
}

/** A run to release whose every part records its call, by name, in `calls`. */
function releasable(setup: Setup = {}): {
  run: ReleasableRun;
  calls: string[];
  reported: Array<{ error: unknown; where: string }>;
} {
  const calls: string[] = [];
  const reported: Array<{ error: unknown; where: string }> = [];
  const failing = new Set(setup.failing ?? []);
  const sync = (name: string) => (): void => {
    calls.push(name);
    if (failing.has(name)) throw new Error(`${name} failed`);
  };
  const async =
    <T>(name: string, value: T, waitFor: Promise<void> = Promise.resolve()) =>
    async (): Promise<T> => {
      calls.push(name);
      await waitFor;
      if (failing.has(name)) throw new Error(`${name} failed`);
      return value;
    };
  const run: ReleasableRun = {
    run: {
      runId: 'run_a',
      sessionId: 'sess_a',
      steering: { close: sync('steering.close') },
      goesOnElsewhere: setup.elsewhere === true,
      done: setup.done ?? Promise.resolve(),
    },
    eventLog: { close: sync('eventLog.close') },
    recording: { writeStart: sync('recording.writeStart') },
    transcript: { close: async('transcript.close', undefined) },
    detachObservers: sync('detachObservers'),
    suspender:
      setup.lifted === undefined
        ? undefined
        : { stop: sync('suspender.stop'), released: async('suspender.released', setup.lifted) },
    sharing:
      setup.shared === true
        ? {
            freeSession: async('sharing.freeSession', true),
            release: async('sharing.release', undefined),
            standDown: async('sharing.standDown', undefined),
          }
        : undefined,
    steerSubscription:
      setup.shared === true ? Promise.resolve(async('steering.unsubscribe', undefined)) : undefined,
    threadLock: {
      release: async('thread.release', undefined, setup.threadReleased),
      releaseAfter: sync('thread.releaseAfter'),
      standDown: sync('thread.standDown'),
    },
    slot: { release: async('slot.release', undefined), standDown: sync('slot.standDown') },
    stores: {
      pendingAnswers: { deletePendingOfRun: async('pendingAnswers.deletePendingOfRun', undefined) },
      sessions: { releaseRunLock: async('sessions.releaseRunLock', undefined) },
    },
    suspendedRuns: { resumeIfAnswered: async('suspendedRuns.resumeIfAnswered', true) },
    report: (error, where) => reported.push({ error, where }),
    ended: setup.ended === true ? Promise.resolve() : undefined,
  };
  return { run, calls, reported };
}

describe('releaseChatRun', () => {
  it('frees a run of unshared stores in order: steering, watchers, thread, then the session and its holds', async () => {
    const { run, calls, reported } = releasable();
    await releaseChatRun(run);
    expect(calls).toEqual(
      order(`
      steering.close
      recording.writeStart eventLog.close detachObservers
      thread.release
      slot.release transcript.close pendingAnswers.deletePendingOfRun sessions.releaseRunLock
    `),
    );
    expect(reported).toEqual([]);
  });

  it('with shared stores, holds the thread until the end is written and frees the session through the sharing', async () => {
    const { run, calls } = releasable({ shared: true, ended: true, lifted: false });
    await releaseChatRun(run);
    expect(calls).toEqual(
      order(`
      steering.close steering.unsubscribe
      recording.writeStart suspender.stop eventLog.close detachObservers
      thread.releaseAfter
      sharing.freeSession
      slot.release sharing.release transcript.close
      suspender.released
    `),
    );
  });

  it('leaves the thread, the session, its pending calls and the slot to a run that goes on elsewhere', async () => {
    const { run, calls } = releasable({ shared: true, elsewhere: true });
    await releaseChatRun(run);
    expect(calls).toEqual(
      order(`
      steering.close steering.unsubscribe
      recording.writeStart eventLog.close detachObservers
      thread.standDown
      slot.standDown sharing.standDown transcript.close
    `),
    );
  });

  it('gives the thread back before it frees the session: the next message finds both free', async () => {
    const thread = deferred();
    const { run, calls } = releasable({ shared: true, threadReleased: thread.promise });
    const releasing = releaseChatRun(run);
    await settle();
    expect(calls.at(-1)).toBe('thread.release');
    thread.resolve();
    await releasing;
    const fromThread = calls.slice(calls.indexOf('thread.release'));
    expect(fromThread).toEqual(
      order('thread.release sharing.freeSession slot.release sharing.release transcript.close'),
    );
  });

  it('lifts a suspension last, and resumes it only once the run is done', async () => {
    const done = deferred();
    const { run, calls } = releasable({ lifted: true, done: done.promise });
    await releaseChatRun(run);
    expect(calls.slice(-2)).toEqual(['sessions.releaseRunLock', 'suspender.released']);
    await settle();
    expect(calls).not.toContain('suspendedRuns.resumeIfAnswered');
    done.resolve();
    await settle();
    expect(calls.at(-1)).toBe('suspendedRuns.resumeIfAnswered');
  });

  it('reports a step that throws or rejects and still runs every later step', async () => {
    const { run, calls, reported } = releasable({
      shared: true,
      lifted: false,
      failing: ['steering.close', 'eventLog.close', 'sharing.freeSession', 'slot.release'],
    });
    await expect(releaseChatRun(run)).resolves.toBeUndefined();
    // The same calls, in the same order, as the release of the same run where nothing fails.
    const untroubled = releasable({ shared: true, lifted: false });
    await releaseChatRun(untroubled.run);
    expect(calls).toEqual(untroubled.calls);
    expect(calls.at(-1)).toBe('suspender.released');
    expect(reported.map(({ error, where }) => [(error as Error).message, where])).toEqual([
      ['steering.close failed', 'run cleanup'],
      ['eventLog.close failed', 'run cleanup'],
      ['sharing.freeSession failed', 'run cleanup'],
      ['slot.release failed', 'run cleanup'],
    ]);
  });

  it('releases once when asked twice: the second call gets the first call’s release', async () => {
    const { run, calls } = releasable({ shared: true });
    const first = releaseChatRun(run);
    const second = releaseChatRun(run);
    expect(second).toBe(first);
    await Promise.all([first, second]);
    await releaseChatRun(run);
    expect(calls.filter((call) => call === 'sharing.release')).toHaveLength(1);
    expect(calls.filter((call) => call === 'steering.close')).toHaveLength(1);
    expect(calls).toHaveLength(10);
  });

  it('frees the holds of in-process stores at once: the release waits no turn of the microtask queue', async () => {
    const stores = createMemoryStores();
    await stores.sessions.create({
      sessionId: 'sess_a',
      apiKeyHash: 'key-a',
      createdAt: 1,
      expiresAt: Number.MAX_SAFE_INTEGER,
      approvedToolTypes: [],
    });
    expect(await stores.sessions.acquireRunLock('sess_a')).toBe(true);
    const caps = createRunCaps({
      runs: createMemorySlotCounter(),
      pendingAnswers: createMemorySlotCounter(),
      maxRunsPerApiKey: 1,
      maxPendingAnswersPerApiKey: 1,
      maxPendingAnswersPerSession: 1,
      report: () => undefined,
    });
    const slot = await caps.admit({ runId: 'run_a', sessionId: 'sess_a', apiKeyHash: 'key-a' });
    const { run, reported } = releasable();
    const inProcess: ReleasableRun = {
      ...run,
      threadLock: undefined,
      transcript: undefined,
      // A run that never asked a person: its suspender has nothing to lift.
      suspender: { stop: () => undefined, released: () => false },
      slot,
      stores: { pendingAnswers: stores.pendingAnswers, sessions: stores.sessions },
    };
    const seen: string[] = [];
    const released = releaseChatRun(inProcess).then(() => seen.push('released'));
    queueMicrotask(() => seen.push('next microtask'));
    await released;
    expect(seen).toEqual(['released', 'next microtask']);
    expect(await stores.sessions.acquireRunLock('sess_a')).toBe(true);
    expect(await caps.admit({ runId: 'run_b', sessionId: 'sess_b', apiKeyHash: 'key-a' })).toBeDefined();
    expect(reported).toEqual([]);
  });
});
