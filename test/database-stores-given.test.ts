import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseStores } from '../src/core/database-stores.js';
import type { ThreadStore } from '../src/core/thread-store.js';
import { createMemoryDatabase } from '../src/database/memory/memory-database.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createSqlDatabase } from '../src/database/sql/sql-database.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { sendAs, sessionTokenOf } from './helpers/send-as.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const KEY = 'backend-key';
let folder = '';
let engine: SqlEngine | undefined;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'agent-gateway-given-database-'));
  engine = await createPgliteEngineFromTemplate(folder);
  await runMigrations(engine);
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await rm(folder, { recursive: true, force: true });
});

async function startWith(database: DatabaseStores | ThreadStore): Promise<GatewayClient> {
  const { gateway } = await startMockAgent(cleanup, {
    agent: { server: { validApiKeys: [KEY], serverSideApiKeys: [KEY], database } },
  });
  return gateway;
}

/** Threads, schedules and the inbox, each answered from the store `server.database` carries. */
async function expectEveryStoreServed(gateway: GatewayClient, user: string, schedules: 'kept' | 'none') {
  const token = await sessionTokenOf(gateway, KEY, user);
  const thread = await sendAs(gateway, 'POST', '/threads', token, { title: 'kept' });
  expect(thread.status).toBe(201);
  const listed = await jsonOf(await sendAs(gateway, 'GET', '/threads', token));
  expect((listed['threads'] as Array<{ title: string }>).map((item) => item.title)).toEqual(['kept']);
  expect((await sendAs(gateway, 'GET', '/approvals', token)).status).toBe(200);
  const schedule = await sendAs(gateway, 'POST', '/schedules', token, { cron: '0 9 * * *', message: 'hi' });
  expect(schedule.status).toBe(schedules === 'kept' ? 201 : 501);
}

describe('a database handed to server.database', () => {
  it('serves threads, schedules and the inbox from a DatabaseStores aggregate', async () => {
    if (engine === undefined) throw new Error('no engine');
    const gateway = await startWith(createSqlDatabase(engine));
    await expectEveryStoreServed(gateway, 'ada', 'kept');
  });

  it('serves a memory DatabaseStores, which keeps no schedules (501 not_supported)', async () => {
    const database = createMemoryDatabase();
    cleanup.add(database, (opened) => opened.close());
    const gateway = await startWith(database);
    await expectEveryStoreServed(gateway, 'bob', 'none');
  });

  it('still reads a ThreadStore of its own that carries the other stores, its methods inherited', async () => {
    if (engine === undefined) throw new Error('no engine');
    // Every method and store reached through the prototype, as on a class instance: the gateway
    // reads them where they are, it copies none.
    const own = Object.create(createSqlDatabase(engine).threads) as ThreadStore;
    expect(Object.keys(own)).toEqual([]);
    const gateway = await startWith(own);
    await expectEveryStoreServed(gateway, 'carl', 'kept');
  });
});
