import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseSettingInput } from '../src/agent-spec/database-option.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { sendAs } from './helpers/send-as.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';

/*
 * Sessions kept in memory (no Redis) are restored from their tokens after a restart. A logout
 * (`DELETE /chat/session`) is written to the database as a revocation, so the restarted gateway
 * refuses the token instead of restoring it.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const startGateway = async (server: Record<string, unknown>): Promise<GatewayClient> =>
  (await startMockAgent(cleanup, { agent: { server: { validApiKeys: ['key'], ...server } } })).gateway;

/** Opens two sessions, logs one out, restarts on the same database; answers of both tokens after. */
async function logoutThenRestart(server: Record<string, unknown>) {
  const before = await startGateway(server);
  const ended = (await before.openSession('key')).token;
  const kept = (await before.openSession('key')).token;
  expect((await sendAs(before, 'DELETE', '/chat/session', ended)).status).toBe(204);
  await before.close();
  const after = await startGateway(server);
  const refused = await sendAs(after, 'GET', '/threads', ended);
  return {
    ended: { status: refused.status, body: await jsonOf(refused) },
    kept: (await sendAs(after, 'GET', '/threads', kept)).status,
  };
}

const expected = { ended: { status: 401, body: { detail: 'Session ended' } }, kept: 200 };

describe('a logout with sessions in memory and an embedded database', () => {
  const folders: string[] = [];
  afterAll(() => Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('is refused with 401 Session ended after a restart on the same database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-logout-'));
    folders.push(dir);
    const database: DatabaseSettingInput = { embedded: { dir, engine: 'pglite' } };
    // No jwtSecret: the session secret is kept with the embedded database, as `serve` does.
    expect(await logoutThenRestart({ database })).toEqual(expected);
  }, 60_000);
});

const skipReason = postgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

describe.skipIf(skipReason !== undefined)('a logout with sessions in memory and PostgreSQL', () => {
  let postgres: PostgresServer;
  beforeAll(async () => {
    postgres = await startPostgresServer();
  }, 60_000);
  afterAll(() => postgres?.destroy());

  it('is refused with 401 Session ended after a restart on the same database', async () => {
    const jwtSecret = randomBytes(32).toString('hex');
    const database = { postgres: await postgres.createDatabase() };
    expect(await logoutThenRestart({ jwtSecret, database })).toEqual(expected);
  }, 60_000);
});
