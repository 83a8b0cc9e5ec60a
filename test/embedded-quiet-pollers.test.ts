import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

const cleanup = createCleanupStack();
afterEach(async () => {
  await cleanup.run();
  vi.useRealTimers();
});

const KEY = 'backend-key';
const SECRET = `whsec_${Buffer.from('run-secret-run-secret-run-secret').toString('base64')}`;

/**
 * `engine`, telling `onQuiet` each time the webhook poller's check found nothing left for it:
 * the moment its gate closes and its polls stop reaching the database.
 */
function watchWebhookGate(engine: SqlEngine, onQuiet: () => void): SqlEngine {
  return {
    ...engine,
    query: async <Row = Record<string, unknown>>(
      text: string,
      params?: readonly unknown[],
      prepared?: string,
    ) => {
      const result = await engine.query<Row>(text, params, prepared);
      if (
        prepared === 'work_left_webhooks' &&
        (result.rows[0] as { left?: boolean } | undefined)?.left === false
      )
        onQuiet();
      return result;
    },
  };
}

// The embedded database is written by this gateway alone: its pollers go quiet while it holds
// nothing for them, and what the gateway writes wakes them (src/database/sql/sole-writer-polls.ts).
// The test waits on those events, and moves the clock past the retry's backoff instead of
// sleeping through it, so that a loaded machine only makes it slower, never wrong.
describe('the pollers of an embedded database, quiet while idle', () => {
  it('deliver the webhook of a run started after they went quiet, and retry a refused delivery', async () => {
    const dir = cleanup.add(await mkdtemp(join(tmpdir(), 'agent-gateway-quiet-')), (folder) =>
      rm(folder, { recursive: true, force: true }),
    );
    const pglite = await createPgliteEngineFromTemplate(dir);
    await runMigrations(pglite);
    let quietRounds = 0;
    const engine = watchWebhookGate(pglite, () => (quietRounds += 1));
    // The store the embedded database gets (`openThreadStore`); the gateway closes it.
    const database = createSqlThreadStore(engine, { soleWriter: true });
    // A clock that runs, and jumps past the retry's backoff when the test says so.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const receiver = cleanup.add(await startWebhookReceiver([500]), (each) => each.close());
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('Done.')],
      agent: {
        server: {
          validApiKeys: [KEY],
          serverSideApiKeys: [KEY],
          database,
          webhooks: { allowedHosts: [receiver.host], pollIntervalMs: 50 },
        },
      },
    });
    const init = await jsonOf(await gateway.post('/chat/init', { api_key: KEY, user: 'alice' }));
    // The webhook sender found nothing to do and stopped asking the database.
    await waitFor(() => (quietRounds > 0 ? true : undefined), {
      timeoutMs: 20_000,
      description: 'the webhook poller to go quiet',
    });
    const started = await gateway.post(
      '/runs',
      { message: 'go', webhook: { url: receiver.url, secret: SECRET } },
      { token: String(init['session_token']) },
    );
    const runId = String((await jsonOf(started))['run_id']);
    expect(started.status).toBe(202);
    // The first attempt is refused (500); the retry is due 5 s later, from the same outbox row.
    await waitFor(() => (receiver.received.length === 1 ? true : undefined), {
      timeoutMs: 20_000,
      description: 'the first delivery',
    });
    vi.setSystemTime(Date.now() + 5_000);
    const verified = await waitFor(
      () => {
        const delivered = receiver.verified(SECRET);
        return delivered.length === 1 ? delivered[0] : undefined;
      },
      { timeoutMs: 20_000, description: 'the retried delivery' },
    );
    expect(verified.id).toBe(`msg_${runId}_ended`);
    expect(verified.payload).toMatchObject({
      type: 'run.ended',
      data: { run_id: runId, status: 'completed' },
    });
    expect(receiver.received.map((each) => [each.id, each.status])).toEqual([
      [`msg_${runId}_ended`, 500],
      [`msg_${runId}_ended`, 204],
    ]);
  }, 60_000);
});
