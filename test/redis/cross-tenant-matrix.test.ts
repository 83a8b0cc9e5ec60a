import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import {
  crossOwnerAttempts,
  expectOwnerKeepsAll,
  INTRUDERS,
  makeOwnerResources,
  matrixTurns,
  tenantPrincipalHook,
} from '../helpers/cross-tenant-matrix.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

/*
 * Issue 46's cross-tenant matrix across two instances sharing Redis (and one thread database):
 * the owner works through instance A, the three other principals try everything through B.
 */

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe.skipIf(skipReason !== undefined)('principals of two tenants across two instances', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('reach nothing of another principal on any surface through the other instance', async () => {
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [matrixTurns(), []],
      server: {
        auth: { authenticate: tenantPrincipalHook },
        database: createMemoryThreadStore(),
        a2a: true,
        mcp: true,
      },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const owned = await makeOwnerResources(cleanup, a.client.baseUrl);
    const leaks: string[] = [];
    for (const intruder of INTRUDERS) {
      leaks.push(...(await crossOwnerAttempts(b.client.baseUrl, intruder, owned)));
    }
    expect(leaks).toEqual([]);
    expect([...a.deleted, ...b.deleted]).toEqual([]);
    await expectOwnerKeepsAll(b.client.baseUrl, owned);
    expect([...a.deleted, ...b.deleted]).toEqual(['/tmp/matrix']);
  });
});
