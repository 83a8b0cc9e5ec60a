import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createSseReader } from '../helpers/sse-reader.js';
import { startMockAgent } from '../helpers/start-mock-agent.js';
import { waitFor } from '../helpers/wait-for.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';
import { slowAnswer } from './helpers/hand-over-fixtures.js';

/*
 * Issue 75: a run handed over at a shutdown (the default with a shared store) to an instance that
 * no longer accepts its API key stops there, recorded `owner_no_longer_accepted`, as a queued run
 * of a removed key does; the new instance never asks the model for it. The README's setup:
 * `server.store: { redis }` and a PostgreSQL database.
 */

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe.skipIf(skipReason !== undefined)(
  'a run handed over to an instance that no longer accepts its key',
  () => {
    const servers = useRedisAndPostgres();

    it('is stopped there and recorded owner_no_longer_accepted, and its model is not asked again', async () => {
      const database = { postgres: await servers.postgres.createDatabase() };
      const shared = {
        store: { redis: servers.redis.url, keyPrefix: `e2e${randomBytes(4).toString('hex')}:` },
        jwtSecret: randomBytes(32).toString('hex'),
        database,
        runLeaseMs: 60_000,
        shutdown: { timeoutMs: 4_000 },
      };
      const before = await startMockAgent(cleanup, {
        turns: [slowAnswer()],
        agent: { server: { ...shared, validApiKeys: ['leaked', 'kept'] } },
      });
      // The instance that stays has the leaked key removed.
      const after = await startMockAgent(cleanup, {
        turns: [textTurn('Must never be asked.')],
        agent: { server: { ...shared, validApiKeys: ['kept'] } },
      });
      const { token } = await before.gateway.openSession('leaked');
      const stream = createSseReader(await before.gateway.chat(token, 'write a long answer'));
      await stream.nextOfType('text_delta');
      const runId = stream.frames.at(-1)?.runId ?? '';
      await before.gateway.close();
      expect((await stream.rest()).at(-1)?.event).toMatchObject({
        type: 'stream_resume',
        reason: 'handed_over',
      });

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
          return row !== undefined && row.status !== 'running' ? row : undefined;
        },
        { timeoutMs: 30_000, description: 'the handed-over run ended' },
      );
      expect(ended).toEqual({ status: 'failed', outcome_code: 'owner_no_longer_accepted' });
      expect(after.upstream.requests).toHaveLength(0);
    });
  },
);
