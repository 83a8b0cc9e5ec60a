import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { sendAs, sessionTokenOf } from '../helpers/send-as.js';
import { startMockAgent } from '../helpers/start-mock-agent.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createGatedTool } from '../helpers/gated-tool.js';
import { createSseReader } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
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

  it("pauses a removed key's schedule after a restart, saying why, and makes no model call for it", async () => {
    const jwtSecret = randomBytes(32).toString('hex');
    const database = { postgres: await servers.postgres.createDatabase() };
    const server = {
      jwtSecret,
      database,
      schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 },
    };
    const before = await startMockAgent(cleanup, {
      turns: Array.from({ length: 10 }, (_, index) => textTurn(`Tick ${index}.`)),
      agent: { server: { store: { redis: servers.redis.url }, ...server, validApiKeys: ['leaked', 'kept'] } },
    });
    const { token } = await before.gateway.openSession('leaked');
    const created = await jsonOf(
      await sendAs(before.gateway, 'POST', '/schedules', token, {
        cron: '* * * * * *',
        message: 'Tick',
        new_thread_each_time: true,
      }),
    );
    const id = String(created['schedule_id']);
    await waitFor(() => (before.upstream.requests.length > 0 ? true : undefined), { timeoutMs: 20_000 });
    await before.gateway.close();

    const after = await startMockAgent(cleanup, {
      agent: { server: { store: { redis: servers.redis.url }, ...server, validApiKeys: ['kept'] } },
    });
    const client = cleanup.add(new pg.Client({ connectionString: database.postgres }), (opened) =>
      opened.end(),
    );
    await client.connect();
    const refused = await waitFor(
      async () => {
        const found = await client.query<{ status: string; error: string | null }>(
          `SELECT status, error FROM schedule_fires WHERE schedule_id = $1 AND status = 'refused'`,
          [id],
        );
        return found.rows[0];
      },
      { timeoutMs: 20_000 },
    );
    expect(refused.error).toContain('its API key is no longer accepted');
    const schedule = await client.query<{ enabled: boolean }>('SELECT enabled FROM schedules WHERE id = $1', [
      id,
    ]);
    expect(schedule.rows[0]?.enabled).toBe(false);
    expect(after.upstream.requests).toHaveLength(0);
  });

  it('drops the queued run of a removed key when a restarted instance takes it, its record saying why', async () => {
    const jwtSecret = randomBytes(32).toString('hex');
    const database = { postgres: await servers.postgres.createDatabase() };
    const shared = { store: { redis: servers.redis.url }, jwtSecret, database, queuedRunLeaseMs: 600 };
    const gate = createGatedTool();
    const before = await startMockAgent(cleanup, {
      turns: [toolCallTurn('wait_here', {}, { id: 'call_busy' }), textTurn('Busy done.')],
      // The busy run ends with this instance: only the queued run is left for the restarted one.
      agent: {
        tools: [gate.tool],
        server: { ...shared, validApiKeys: ['leaked'], handOverRunsOnClose: false },
      },
    });
    const { token } = await before.gateway.openSession('leaked');
    const busy = createSseReader(await before.gateway.chat(token, 'work for a while'));
    await busy.nextOfType('tool_call_start');
    const queued = await jsonOf(
      await before.gateway.post('/runs', { message: 'later', multitask: 'enqueue' }, { token }),
    );
    expect(queued['status']).toBe('queued');
    const runId = String(queued['run_id']);

    // A restarted instance without the leaked key takes the queued run over.
    const after = await startMockAgent(cleanup, { agent: { server: { ...shared, validApiKeys: ['kept'] } } });
    await before.gateway.close();
    const client = cleanup.add(new pg.Client({ connectionString: database.postgres }), (opened) =>
      opened.end(),
    );
    await client.connect();
    const ended = await waitFor(
      async () => {
        const found = await client.query<{ status: string; outcome_code: string | null }>(
          'SELECT status, outcome_code FROM runs WHERE id = $1',
          [runId],
        );
        const row = found.rows[0];
        return row !== undefined && row.status !== 'queued' && row.status !== 'running' ? row : undefined;
      },
      { timeoutMs: 30_000, description: 'the queued run ended' },
    );
    expect(ended).toEqual({ status: 'failed', outcome_code: 'owner_no_longer_accepted' });
    expect(after.upstream.requests).toHaveLength(0);
  });
});
