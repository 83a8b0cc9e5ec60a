import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { sendAs, sessionTokenOf } from '../helpers/send-as.js';
import { startMockAgent } from '../helpers/start-mock-agent.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';

/*
 * The README's multi-instance setup (`server.store: { redis }` and a PostgreSQL database, one
 * `jwtSecret`): sessions live in Redis and outlive a restart of every instance. A session lives
 * on only while the settings would still open it, and a logout on one instance ends it on all.
 */

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe.skipIf(skipReason !== undefined)('sessions of instances sharing Redis and PostgreSQL', () => {
  const servers = useRedisAndPostgres();

  const startInstances = async (server: Record<string, unknown>, count: number) => {
    const shared = { store: { redis: servers.redis.url }, ...server };
    const started = [];
    for (let index = 0; index < count; index += 1) {
      started.push((await startMockAgent(cleanup, { agent: { server: shared } })).gateway);
    }
    return started;
  };

  it('refuses, after a restart, the sessions of a removed key and of a key no longer server-side', async () => {
    const jwtSecret = randomBytes(32).toString('hex');
    const database = { postgres: await servers.postgres.createDatabase() };
    const [before] = await startInstances(
      { jwtSecret, database, validApiKeys: ['leaked', 'backend'], serverSideApiKeys: ['backend'] },
      1,
    );
    if (before === undefined) throw new Error('no instance');
    const leaked = (await before.openSession('leaked')).token;
    const asserted = await sessionTokenOf(before, 'backend', 'alice');
    expect((await sendAs(before, 'GET', '/threads', leaked)).status).toBe(200);
    expect((await sendAs(before, 'GET', '/threads', asserted)).status).toBe(200);
    await before.close();

    const [after] = await startInstances({ jwtSecret, database, validApiKeys: ['backend'] }, 1);
    if (after === undefined) throw new Error('no instance');
    for (const [token, why] of [
      [leaked, 'its API key is no longer accepted'],
      [asserted, 'its API key may no longer assert a user'],
    ] as const) {
      const response = await sendAs(after, 'GET', '/threads', token);
      expect({ status: response.status, body: await jsonOf(response) }).toEqual({
        status: 401,
        body: { detail: `Session no longer valid: ${why}` },
      });
    }
  });

  it('ends a session on every instance at DELETE /chat/session', async () => {
    const jwtSecret = randomBytes(32).toString('hex');
    const database = { postgres: await servers.postgres.createDatabase() };
    const [one, two] = await startInstances({ jwtSecret, database, validApiKeys: ['key'] }, 2);
    if (one === undefined || two === undefined) throw new Error('no instances');
    const { token } = await one.openSession('key');
    expect((await sendAs(two, 'GET', '/threads', token)).status).toBe(200);
    expect((await sendAs(two, 'DELETE', '/chat/session', token)).status).toBe(204);
    for (const instance of [one, two]) {
      const response = await sendAs(instance, 'GET', '/threads', token);
      expect({ status: response.status, body: await jsonOf(response) }).toEqual({
        status: 401,
        body: { detail: 'Session ended' },
      });
    }
  });
});
