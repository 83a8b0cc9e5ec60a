import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { spawnBackgroundRunsInstance } from './helpers/spawn-background-runs-instance.js';
import { waitFor } from './helpers/wait-for.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const SECRET = `whsec_${Buffer.from('instance-death-secret-0123456789').toString('base64')}`;

describe.skipIf(unavailable !== undefined)('webhooks across instance death', () => {
  it('an instance SIGKILLed between the run end and the delivery: another delivers it once, same webhook-id', async () => {
    const databaseUrl = await createDatabase();
    const upstream = cleanup.add(await createMockUpstream({ anthropic: [textTurn('Done.')] }), (server) =>
      server.close(),
    );
    // The first request is held unanswered: the instance that sent it dies before it is delivered.
    const receiver = cleanup.add(await startWebhookReceiver(['hold']), (each) => each.close());
    const environment = (instanceId: string) => ({
      GATEWAY_UPSTREAM_URL: upstream.url,
      GATEWAY_DATABASE_URL: databaseUrl,
      GATEWAY_JWT_SECRET: randomBytes(32).toString('hex'),
      GATEWAY_INSTANCE_ID: instanceId,
      GATEWAY_SERVER_OPTIONS: JSON.stringify({
        webhooks: { allowedHosts: [receiver.host], pollIntervalMs: 100, timeoutMs: 2_000 },
      }),
    });
    const first = cleanup.add(await spawnBackgroundRunsInstance(environment('A')), (each) => each.stop());
    const init = await jsonOf(
      await first.client.post('/chat/init', { api_key: 'backend-key', user: 'alice' }),
    );
    const token = String(init['session_token']);
    const started = await jsonOf(
      await first.client.post(
        '/runs',
        { message: 'go', webhook: { url: receiver.url, secret: SECRET } },
        { token },
      ),
    );
    const runId = String(started['run_id']);
    await waitFor(() => (receiver.received.length === 1 ? true : undefined), { timeoutMs: 20_000 });
    await first.kill();

    const second = cleanup.add(await spawnBackgroundRunsInstance(environment('B')), (each) => each.stop());
    const database = cleanup.add(new pg.Client({ connectionString: databaseUrl }), (client) => client.end());
    await database.connect();
    const row = await waitFor(
      async () => {
        const found = await database.query<{ attempts: number; delivered_at: string | null }>(
          'SELECT attempts, delivered_at FROM webhook_outbox',
        );
        return found.rows[0]?.delivered_at === null ? undefined : found.rows[0];
      },
      { timeoutMs: 30_000, description: `the delivery by B (stderr: ${second.stderr()})` },
    );
    expect(row?.attempts).toBe(1);
    const ids = receiver.received.map((each) => each.id);
    expect(ids).toEqual([`msg_${runId}_ended`, `msg_${runId}_ended`]);
    const delivered = receiver.verified(SECRET);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.payload).toMatchObject({
      type: 'run.ended',
      data: { run_id: runId, status: 'completed' },
    });
  }, 120_000);
});
