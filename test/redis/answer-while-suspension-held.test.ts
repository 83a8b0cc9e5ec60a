import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { SuspendedRunStore } from '../../src/core/suspended-run-store.js';
import type { CarryingThreadStore as ThreadStore } from '../../src/database/carried-stores.js';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { openThreadStore } from '../../src/database/sql/open-thread-store.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from '../helpers/postgres-server.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { payerSession, startChargeCardInstances } from './helpers/charge-card-instances.js';

/*
 * The window where an acknowledged answer waited on a poll: a run is suspended, and its
 * suspension stays held until the live run let go of its lease and lock. An answer stored
 * meanwhile (on either instance, from the session that asked or another session of the same
 * principal) is acknowledged, but the answering request cannot resume the held run. The
 * instance that holds it must resume it as it lets go: here the scan of suspended runs is ten
 * minutes apart, so only that can make the answer take effect. The test holds the release
 * (a gate in the database's `release`) until the answer was acknowledged, so every round hits
 * the window.
 */

const redisSkip = redisUnavailableReason();
if (redisSkip !== undefined) console.warn(redisSkip);
const postgresSkip = postgresUnavailableReason();

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** Far beyond the test: no scan resumes a run here. */
const SCAN_INTERVAL_MS = 600_000;

/** A gate the test opens: `wait()` resolves once `open()` was called (at once, while it is open). */
function createGate() {
  let opened = true;
  let release: () => void = () => undefined;
  let waiting = Promise.resolve();
  return {
    close() {
      opened = false;
      waiting = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    open() {
      opened = true;
      release();
    },
    wait: () => (opened ? Promise.resolve() : waiting),
  };
}

/** `value`, bound to `target` when it is a method (the stores' methods keep working through a proxy). */
function boundTo(target: object, value: unknown): unknown {
  if (typeof value !== 'function') return value;
  const method = value as (...args: unknown[]) => unknown;
  return method.bind(target);
}

/** `store`, whose suspended runs are released only once `gate` is open. */
function withGatedRelease(store: ThreadStore, gate: ReturnType<typeof createGate>): ThreadStore {
  const suspended = store.suspendedRuns;
  if (suspended === undefined) throw new Error('the store suspends runs');
  const gated: SuspendedRunStore = new Proxy(suspended, {
    get(target, property) {
      if (property === 'release') {
        return async (runId: string, holder: string) => {
          await gate.wait();
          return target.release(runId, holder);
        };
      }
      return boundTo(target, Reflect.get(target, property, target));
    },
  });
  return new Proxy(store, {
    get(target, property) {
      if (property === 'suspendedRuns') return gated;
      return boundTo(target, Reflect.get(target, property, target));
    },
  });
}

/** Two instances on one Redis; instance 0 (where chats run) releases its suspensions through `gate`. */
async function startTwoInstances(redisUrl: string, databases: [ThreadStore, ThreadStore]) {
  const charged: number[] = [];
  const gate = createGate();
  const { a, b } = await startChargeCardInstances(cleanup, {
    redisUrl,
    keyPrefix: 'held',
    callIdPrefix: 'h',
    database: (instance) => (instance === 0 ? withGatedRelease(databases[0], gate) : databases[1]),
    logger: () => silentLogger,
    suspendAfterMs: 100,
    suspendedRunScanIntervalMs: SCAN_INTERVAL_MS,
    onCharge: (_instance, cents) => charged.push(cents),
  });
  return { a, b, charged, gate };
}

type Instances = Awaited<ReturnType<typeof startTwoInstances>>;

/**
 * One round: a chat on instance 0 is suspended and its release held; the answer (an approval
 * on even rounds, a denial on odd ones) goes through instance 0 or 1, from the session that
 * asked or the payer's other session, and is acknowledged; then the release goes on, and the
 * answer must take effect: the run completes, the card charged once iff approved, the audit
 * saying so.
 */
async function roundInWindow(instances: Instances, round: number): Promise<void> {
  const { a, b, charged, gate } = instances;
  const token = await payerSession(a);
  const otherToken = await payerSession(b);
  gate.close();
  const reader = createSseReader(
    await a.chat(token, {
      messages: [{ role: 'user', content: `charge ${round}` }],
      thread_id: `thr_h${round}`,
    }),
  );
  const request = await reader.nextOfType('tool_approval_request');
  expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
  const runId = String(reader.frames.at(-1)?.runId);
  const lastSeq = reader.frames.at(-1)?.id ?? 0;
  const approved = round % 2 === 0;
  const via = round % 4 < 2 ? a : b;
  const from = Math.floor(round / 4) % 2 === 0 ? token : otherToken;
  const label = `round ${round}: ${approved ? 'approval' : 'denial'} via instance ${via === a ? 0 : 1} from ${from === token ? 'the asking session' : 'another session'}`;
  const answer = await via.post(
    '/chat/tool-approval',
    { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved },
    { token: from },
  );
  expect(answer.status, label).toBe(200);
  gate.open();
  let last: unknown;
  await waitFor(
    async () => {
      const run = await jsonOf(await b.get(`/runs/${runId}`, { token }));
      last = run['status'];
      return run['status'] === 'completed' ? true : undefined;
    },
    { timeoutMs: 20_000, description: () => `${label}: the run to complete (it is ${String(last)})` },
  );
  // The session that answered reads the resumed run's stream, as it would had its request
  // resumed the run.
  const follow = await via.get('/chat/stream', {
    token: from,
    headers: { 'last-event-id': `${runId}:${lastSeq}` },
  });
  expect(follow.status, label).toBe(200);
  expect(eventsOf(await createSseReader(follow).rest()).at(-1), label).toMatchObject({
    type: 'stream_complete',
  });
  expect(
    charged.filter((cents) => cents === round),
    label,
  ).toHaveLength(approved ? 1 : 0);
  const audit = await waitFor(
    async () => {
      const body = await jsonOf(await a.get(`/runs/${runId}/approvals`, { token }));
      return Array.isArray(body['approvals']) && body['approvals'].length > 0 ? body['approvals'] : undefined;
    },
    { timeoutMs: 10_000, description: `${label}: the audit` },
  );
  expect(audit, label).toMatchObject([
    { tool_call_id: `toolu_h${round}`, decision: approved ? 'approved' : 'denied' },
  ]);
}

describe.skipIf(redisSkip !== undefined)('an answer stored while its suspension is still held', () => {
  let redis: RedisServerProcess;
  let postgres: PostgresServer | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
    if (postgresSkip === undefined) postgres = await startPostgresServer();
  }, 120_000);
  afterAll(async () => {
    await redis?.stop();
    await postgres?.destroy();
  }, 60_000);

  it('takes effect once the holder lets go, with no scan to wait for (one shared memory database)', async () => {
    const database = createMemoryThreadStore();
    const instances = await startTwoInstances(redis.url, [database, database]);
    for (let round = 0; round < 8; round += 1) await roundInWindow(instances, round);
  }, 240_000);

  it.skipIf(postgresSkip !== undefined)(
    'takes effect once the holder lets go, with no scan to wait for (PostgreSQL)',
    async () => {
      const url = await postgres?.createDatabase();
      if (url === undefined) throw new Error('no PostgreSQL server');
      const databases: [ThreadStore, ThreadStore] = [
        cleanup.add(await openThreadStore({ postgres: url }), (store) => store.close()),
        cleanup.add(await openThreadStore({ postgres: url }), (store) => store.close()),
      ];
      const instances = await startTwoInstances(redis.url, databases);
      for (let round = 0; round < 8; round += 1) await roundInWindow(instances, round);
    },
    240_000,
  );
});
