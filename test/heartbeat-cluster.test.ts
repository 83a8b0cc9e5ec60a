import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { runOutputFixture } from '../src/headless/__fixtures__/run-output-fixture.js';
import { HeartbeatLoop } from '../src/headless/heartbeat/heartbeat-loop.js';
import type { TickResult } from '../src/headless/heartbeat/tick-result.js';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

/** One instance's loop on the shared database: what it ran, and the ticks it saw. */
interface Instance {
  loop: HeartbeatLoop;
  ticks: TickResult[];
  done: Promise<void>;
}

/** Three gateways' heartbeats on one database; `outcomeOf(tick)` says what tick n answers. */
async function startCluster(
  outcomeOf: (tick: number) => 'quiet' | 'error',
  config: { intervalMs: number; backoffStepsMs?: number[] },
  log: string[],
): Promise<{ url: string; instances: Instance[] }> {
  const url = await createDatabase();
  let runs = 0;
  const instances = ['a', 'b', 'c'].map((name): Instance => {
    const ticks: TickResult[] = [];
    const loop = new HeartbeatLoop({
      thread: 'cluster-beat',
      database: { postgres: url },
      logger: silentLogger,
      config,
      runFn: async () => {
        runs += 1;
        const tick = runs;
        log.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push(`end ${name}`);
        if (outcomeOf(tick) === 'error') throw new Error(`tick ${tick} failed`);
        return runOutputFixture({ response: 'HEARTBEAT_OK' });
      },
      onTick: (tick) => void ticks.push(tick),
    });
    return { loop, ticks, done: loop.start() };
  });
  cleanup.add(instances, async (started) => {
    for (const instance of started) instance.loop.stop();
    await Promise.all(started.map((instance) => instance.done));
  });
  return { url, instances };
}

const allTicks = (instances: Instance[]): TickResult[] =>
  instances.flatMap((instance) => instance.ticks).sort((a, b) => a.tickNumber - b.tickNumber);

describe.skipIf(unavailable !== undefined)('HeartbeatLoop on a database shared by three instances', () => {
  it('ticks once per interval across the cluster: each tick number once, never two at a time', async () => {
    const log: string[] = [];
    const { url, instances } = await startCluster(() => 'quiet', { intervalMs: 100 }, log);
    await waitFor(() => (allTicks(instances).length >= 12 ? true : undefined), { timeoutMs: 60_000 });
    for (const instance of instances) instance.loop.stop();
    await Promise.all(instances.map((instance) => instance.done));

    const ticks = allTicks(instances);
    expect(ticks.map((tick) => tick.tickNumber)).toEqual(ticks.map((_, index) => index + 1));
    expect(ticks.every((tick) => tick.outcome === 'quiet')).toBe(true);
    // One run per tick, and each run ended before the next began (whichever instance ran it).
    expect(log.filter((line) => line.startsWith('start'))).toHaveLength(ticks.length);
    for (let index = 0; index < log.length; index += 2) {
      expect(log[index]?.replace('start', 'end')).toBe(log[index + 1]);
    }
    const store = await openThreadStore({ postgres: url });
    cleanup.add(store, (opened) => opened.close());
    const recorded = (await store.heartbeats?.list('cluster-beat', 100)) ?? [];
    expect(recorded.map((tick) => tick.tick).reverse()).toEqual(ticks.map((tick) => tick.tickNumber));
    expect(recorded.every((tick) => tick.outcome === 'quiet' && tick.nextDueAt !== null)).toBe(true);
  }, 90_000);

  it('shares the error streak and its backoff: the instance after a failure continues the streak', async () => {
    const log: string[] = [];
    const { url, instances } = await startCluster(
      (tick) => (tick <= 3 ? 'error' : 'quiet'),
      { intervalMs: 50, backoffStepsMs: [50, 100] },
      log,
    );
    await waitFor(() => (allTicks(instances).length >= 5 ? true : undefined), { timeoutMs: 60_000 });
    for (const instance of instances) instance.loop.stop();
    await Promise.all(instances.map((instance) => instance.done));
    const ticks = allTicks(instances).slice(0, 5);
    expect(ticks.map((tick) => tick.outcome)).toEqual(['error', 'error', 'error', 'quiet', 'quiet']);
    // The streak is the cluster's, recorded with each tick whichever instance ran it.
    const store = await openThreadStore({ postgres: url });
    cleanup.add(store, (opened) => opened.close());
    const recorded = ((await store.heartbeats?.list('cluster-beat', 100)) ?? []).reverse().slice(0, 5);
    expect(recorded.map((tick) => [tick.outcome, tick.consecutiveErrors])).toEqual([
      ['error', 1],
      ['error', 2],
      ['error', 3],
      ['quiet', 0],
      ['quiet', 0],
    ]);
  }, 90_000);
});
