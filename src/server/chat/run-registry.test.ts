import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createRunRegistry } from './run-registry.js';
import { ChatRunEventLog } from './chat-run-event-log.js';
import { ChatRunLifecycle, type ChatRun } from './chat-run.js';
import { createSteeringQueue } from './steering-queue.js';

/** A run whose end the test controls. */
const fakeRun = (sessionId: string) => {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const aborts: string[] = [];
  const eventLog = new ChatRunEventLog();
  const run: ChatRun = {
    runId: `run-${sessionId}`,
    sessionId,
    eventLog,
    state: 'running',
    abort: (reason = 'cancelled') => {
      aborts.push(reason);
      eventLog.append({ type: 'error', error: reason });
    },
    handOver: () => done,
    suspendIfWaiting: () => Promise.resolve(false),
    nextStepEnd: () => new Promise<void>(() => undefined),
    done,
    onDone: (callback) => void done.then(callback),
    steering: createSteeringQueue(),
  };
  return {
    run,
    aborts,
    end: async () => {
      eventLog.close();
      finish();
      await done;
      await Promise.resolve();
    },
  };
};

describe('run registry', () => {
  it('cancels at once when the last follower leaves and the grace period is 0', () => {
    const registry = createRunRegistry({ disconnectGraceMs: 0 });
    const { run, aborts } = fakeRun('a');
    registry.add(run);
    const leaveFirst = registry.follow(run);
    const leaveSecond = registry.follow(run);
    expect(registry.followerCount()).toBe(2);
    leaveFirst();
    leaveFirst();
    expect(registry.followerCount()).toBe(1);
    expect(aborts).toEqual([]);
    leaveSecond();
    expect(aborts).toEqual(['cancelled: the client disconnected']);
  });

  it('keeps a run alive while a follower re-attaches within the grace period', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const registry = createRunRegistry({ disconnectGraceMs: 30 });
    const { run, aborts, end } = fakeRun('a');
    registry.add(run);
    registry.follow(run)();
    const leave = registry.follow(run);
    await vi.advanceTimersByTimeAsync(60);
    expect(aborts).toEqual([]);
    leave();
    await end();
    registry.close();
  });

  it('serves the latest finished run until the retention window passes', async () => {
    let now = 1_000;
    const registry = createRunRegistry({ retentionMs: 500, now: () => now });
    const { run, end } = fakeRun('a');
    registry.add(run);
    expect(registry.active('a')).toBe(run);
    await end();
    expect(registry.active('a')).toBeUndefined();
    expect(registry.latest('a')).toBe(run);
    now += 501;
    expect(registry.latest('a')).toBeUndefined();
  });

  it('has moved a chat run from active to retained by the time its done settles', async () => {
    const registry = createRunRegistry();
    const run = new ChatRunLifecycle({ runId: '0123456789ab', sessionId: 'a', report: () => undefined });
    run.openLog(0);
    let endRunner: () => void = () => undefined;
    run.launch({
      execute: () => new Promise<void>((resolve) => (endRunner = resolve)),
      release: () => Promise.resolve(),
    });
    registry.add(run);
    const seenAtDone = run.done.then(() => ({ active: registry.active('a'), latest: registry.latest('a') }));
    expect(registry.active('a')).toBe(run);
    endRunner();
    const seen = await seenAtDone;
    expect(seen.active).toBeUndefined();
    expect(seen.latest).toBe(run);
    expect(registry.activeCount()).toBe(0);
  });

  it('replaces the retained run of a session by its newer run', async () => {
    const registry = createRunRegistry();
    const first = fakeRun('a');
    registry.add(first.run);
    await first.end();
    const second = fakeRun('a');
    registry.add(second.run);
    expect(registry.latest('a')).toBe(second.run);
    await second.end();
    expect(registry.latest('a')).toBe(second.run);
    expect(registry.activeRuns()).toEqual([]);
  });
});
