import pg from 'pg';
import type { ServerSpec } from '../../../src/server/contracts/server-spec.js';
import type { ScriptedTurn } from '../../../src/testing/scripted-turn.js';
import type { CleanupStack } from '../../helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from '../../helpers/gateway-client.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { RedisAndPostgres } from './redis-and-postgres.js';
import { startRedisGateways, type RedisGateway } from './start-redis-gateways.js';

/** The server-side API key of the README deployment's sessions (it asserts users). */
export const README_KEY = 'backend-key';

/**
 * Starts two instances configured as the README's "Many instances on Redis" says:
 * `server.store: { redis: url }` (each app makes and owns its stores) and one PostgreSQL
 * database, with `README_KEY` (server-side) and `otherKeys` accepted.
 */
export async function startReadmeDeployment(
  cleanup: CleanupStack,
  servers: RedisAndPostgres,
  options: {
    turns: [ScriptedTurn[], ScriptedTurn[]];
    server?: ServerSpec;
    otherKeys?: string[];
    /** Each model call's output cap (what a budget holds for it). */
    maxTokens?: number;
  },
): Promise<{ a: RedisGateway; b: RedisGateway; databaseUrl: string }> {
  const databaseUrl = await servers.postgres.createDatabase();
  const [a, b] = await startRedisGateways(cleanup, {
    url: servers.redis.url,
    storeAsReadme: true,
    turns: options.turns,
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    server: {
      validApiKeys: [README_KEY, ...(options.otherKeys ?? [])],
      serverSideApiKeys: [README_KEY],
      database: { postgres: databaseUrl },
      ...options.server,
    },
  });
  if (a === undefined || b === undefined) throw new Error('two gateways expected');
  return { a, b, databaseUrl };
}

/** A new session of `user` on an instance, opened through `README_KEY`. */
export async function readmeSessionOf(gateway: GatewayClient, user: string): Promise<string> {
  const response = await gateway.post('/chat/init', { api_key: README_KEY, user });
  const token = (await jsonOf(response))['session_token'];
  if (typeof token !== 'string') throw new Error(`chat/init answered ${response.status}`);
  return token;
}

/** The statuses of a thread's runs once none of them is running (waited for `timeoutMs`). */
export async function settledRunStatuses(
  gateway: GatewayClient,
  token: string,
  threadId: string,
  timeoutMs = 5_000,
): Promise<string[]> {
  return waitFor(
    async () => {
      const listed = (await jsonOf(await gateway.get(`/threads/${threadId}/runs`, { token })))['runs'];
      const statuses = (listed as Array<{ status: string }>).map((run) => run.status);
      return statuses.every((status) => status !== 'running' && status !== 'queued') ? statuses : undefined;
    },
    { timeoutMs },
  );
}

/**
 * Waits until the instance that suspended `runId` let go of it: its suspension's hold lifted in
 * the database (`claimed_by` cleared). From then an answer resumes the run where it lands; one
 * that lands before is stored and the run resumed by its own instance at its release
 * (test/redis/answer-while-suspension-held.test.ts).
 */
export async function suspensionLifted(databaseUrl: string, runId: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await waitFor(
      async () => {
        const found = await client.query<{ claimed_by: string | null }>(
          'SELECT claimed_by FROM suspended_runs WHERE run_id = $1',
          [runId],
        );
        return found.rows[0] !== undefined && found.rows[0].claimed_by === null ? true : undefined;
      },
      { description: `the suspension of ${runId} lifted by its instance` },
    );
  } finally {
    await client.end();
  }
}
