import { describe, expect, it } from 'vitest';
import { BusChannel } from '../../core/stores.js';
import { createMemoryStores } from '../../stores/memory/create-memory-stores.js';
import { trackRemoteFollowers } from './remote-runs.js';
import { createRunRegistry } from './run-registry.js';
import { ChatRunEventLog } from './chat-run-event-log.js';
import type { ChatRun } from './chat-run.js';
import { createSteeringQueue } from './steering-queue.js';

/** A run that records why it was aborted and never ends on its own. */
const openRun = (): { run: ChatRun; aborts: string[] } => {
  const aborts: string[] = [];
  const eventLog = new ChatRunEventLog();
  const done = new Promise<void>(() => undefined);
  const run: ChatRun = {
    runId: '0123456789ab',
    sessionId: 'sess_a',
    eventLog,
    state: 'running',
    abort: (reason = 'cancelled') => void aborts.push(reason),
    handOver: () => done,
    suspendIfWaiting: () => Promise.resolve(false),
    nextStepEnd: () => new Promise<void>(() => undefined),
    done,
    onDone: (callback) => void done.then(callback),
    steering: createSteeringQueue(),
  };
  return { run, aborts };
};

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('trackRemoteFollowers', () => {
  it('matches each remote leave with its own join, ignoring followers it never counted', async () => {
    const stores = createMemoryStores();
    const runs = createRunRegistry({ disconnectGraceMs: 0 });
    const { run, aborts } = openRun();
    runs.add(run);
    await trackRemoteFollowers(run, stores, runs, () => undefined);
    const channel = BusChannel.runFollowers(run.runId);
    const leaveLocal = runs.follow(run);

    await stores.bus.publish(channel, { delta: 1, follower: 'on-c' });
    // A follower that joined before this instance took the run over leaves: nothing changes.
    await stores.bus.publish(channel, { delta: -1, follower: 'joined-before-takeover' });
    await settle();
    leaveLocal();
    expect(aborts).toEqual([]);

    // The follower on C leaves: nobody follows any more.
    await stores.bus.publish(channel, { delta: -1, follower: 'on-c' });
    await settle();
    expect(aborts).toEqual(['cancelled: the client disconnected']);
    runs.close();
    await stores.close();
  });
});
