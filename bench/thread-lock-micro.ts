/**
 * The thread lock's own cost per chat, apart from everything else a chat does: one take and one
 * give-back of a thread's lock (what a thread-continued chat adds), timed over many chats in a
 * row, in process (one instance: the in-memory slot counter) and against a private Redis over
 * loopback (instances sharing Redis: one script to take, one command to give back). Alternates
 * the two blocks of each round so that the machine's load hits both alike; the figure is the
 * median over the rounds.
 *
 *   node --import tsx bench/thread-lock-micro.ts [--rounds 8] [--chats 20000] [--redis-chats 2000]
 */
import { performance } from 'node:perf_hooks';
import { createThreadLocks, type ThreadLocks } from '../src/server/chat/thread-locks.js';
import { createMemorySlotCounter } from '../src/stores/memory/memory-slot-counter.js';
import { createRedisStores } from '../src/stores/redis/create-redis-stores.js';
import { startRedisServer } from '../test/redis/helpers/start-redis-server.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { numberFlag } from './lib/cli-flags.js';
import { median, round } from './lib/stats.js';

const ROUNDS = numberFlag('rounds', 8);
const CHATS = numberFlag('chats', 20_000);
const REDIS_CHATS = numberFlag('redis-chats', 2_000);

const report = (error: unknown): void => {
  throw error;
};

/** Microseconds per chat of taking and giving back a lock, `chats` times over 16 threads. */
async function perChat(locks: ThreadLocks, chats: number): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < chats; index += 1) {
    const lock = await locks.acquire(`thr_${index % 16}`, { sessionId: 'sess_bench', runId: `run_${index}` });
    if (lock === undefined) throw new Error('the lock was not free');
    await lock.release();
  }
  return ((performance.now() - started) * 1000) / chats;
}

const redis = await startRedisServer();
const stores = createRedisStores({
  url: redis.url,
  keyPrefix: 'bench-thread-lock:',
  onError: () => undefined,
});
try {
  await stores.connect?.();
  const counter = stores.createSlotCounter?.('thread-locks');
  if (counter === undefined) throw new Error('the Redis stores offer no slot counter');
  const memoryLocks = createThreadLocks({ counter: createMemorySlotCounter(), report });
  const redisLocks = createThreadLocks({ counter, leaseMs: 30_000, report });
  await perChat(memoryLocks, CHATS);
  await perChat(redisLocks, REDIS_CHATS / 4);
  const memory: number[] = [];
  const shared: number[] = [];
  const loads: number[] = [];
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex += 1) {
    loads.push(currentLoad());
    if (roundIndex % 2 === 0) {
      memory.push(await perChat(memoryLocks, CHATS));
      shared.push(await perChat(redisLocks, REDIS_CHATS));
    } else {
      shared.push(await perChat(redisLocks, REDIS_CHATS));
      memory.push(await perChat(memoryLocks, CHATS));
    }
  }
  console.log(
    JSON.stringify(
      {
        machine: describeMachine(),
        loadPerRound: loads.map((load) => round(load, 2)),
        rounds: ROUNDS,
        inProcessUsPerChat: round(median(memory), 2),
        redisUsPerChat: round(median(shared), 1),
        perRound: memory.map((value, index) => ({
          inProcessUs: round(value, 2),
          redisUs: round(shared[index] ?? Number.NaN, 1),
        })),
      },
      null,
      2,
    ),
  );
} finally {
  await stores.close();
  await redis.stop();
}
