import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { tenantMember } from './helpers/budget-test-callers.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';
import { readAllSseFrames } from './helpers/sse-reader.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';
import { waitFor } from './helpers/wait-for.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';

/*
 * `softAtPercent` sends one signed `budget.threshold_reached` per budget and window, however
 * many reserves cross it on however many instances: two instances on one PostgreSQL.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();
const embeddedUnavailable = await embeddedPostgresUnavailableReason();

const SECRET = `whsec_${Buffer.from('budget-secret-budget-secret-bud').toString('base64')}`;
/** $50 per million output tokens: a call capped at 1 000 output tokens holds $0.05 while it runs. */
const prices = { 'scripted-model': { inputPerMTokUsd: 0, outputPerMTokUsd: 50 } };

describe.skipIf(unavailable !== undefined)('the budget.threshold_reached webhook', () => {
  it('is sent once per budget window, signed, when chats on two instances cross softAtPercent again and again', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const postgres = await createDatabase();
    const instance = async () => {
      const scripted = createScriptedProvider({
        turns: Array.from({ length: 3 }, () => textTurn('ok', { usage: { outputTokens: 10 } })),
      });
      const app = createGatewayApp({
        buildChatRuntime: scriptedRuntime(scripted, { maxTokens: 1_000 }),
        server: {
          auth: { authenticate: tenantMember },
          database: { postgres },
          // 40% of $0.12 is $0.048: each round's first hold ($0.05) takes the budget across it,
          // and the settles (to $0.0005 each) bring it back under; two holds fit under the limit.
          budgets: [{ scope: 'tenant', limitUsd: 0.12, window: 'day', softAtPercent: 40 }],
          prices,
          webhooks: { url: receiver.url, secret: SECRET, allowedHosts: [receiver.host], pollIntervalMs: 50 },
        },
      });
      return cleanup.add(await startGatewayClient(app), (client) => client.close());
    };
    const [first, second] = [await instance(), await instance()];
    const database = cleanup.add(new pg.Client({ connectionString: postgres }), (client) => client.end());
    await database.connect();

    for (let round = 0; round < 3; round += 1) {
      const responses = await Promise.all(
        [first, second].map((gateway, index) =>
          bearerRequest(gateway.baseUrl, 'POST', '/chat', `acme.user${index}`, {
            messages: [{ role: 'user', content: 'hi' }],
          }),
        ),
      );
      for (const response of responses) {
        expect(response.status).toBe(200);
        await readAllSseFrames(response);
      }
    }

    const outbox = await waitFor(async () => {
      const found = await database.query<{ id: string; delivered_at: string | null }>(
        "SELECT id, delivered_at FROM webhook_outbox WHERE id LIKE 'msg_budget_%'",
      );
      return found.rows.length > 0 && found.rows.every((row) => row.delivered_at !== null)
        ? found.rows
        : undefined;
    });
    expect(outbox).toHaveLength(1);
    const verified = receiver.verified(SECRET);
    expect(verified).toHaveLength(1);
    expect(verified[0]?.id).toBe(outbox[0]?.id);
    const payload = verified[0]?.payload ?? {};
    expect(payload).toMatchObject({
      type: 'budget.threshold_reached',
      data: { scope: 'tenant:acme', window: 'day', limit_usd: 0.12, soft_at_percent: 40 },
    });
    const data = payload['data'] as Record<string, unknown>;
    expect(Number(data['spent_usd'])).toBeGreaterThanOrEqual(0.048);
    expect(Date.parse(String(data['resets_at']))).toBeGreaterThan(Date.now());
  });
});

describe.skipIf(embeddedUnavailable !== undefined)(
  'the budget.threshold_reached webhook, embedded database',
  () => {
    it('is sent though the outbox pollers went quiet (the notice wakes them as a recorded run does)', async () => {
      const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
      const dir = cleanup.add(await reachableTempFolder('budget-notice-'), (folder) =>
        rm(folder, { recursive: true, force: true }),
      );
      const scripted = createScriptedProvider({ turns: [textTurn('ok', { usage: { outputTokens: 10 } })] });
      const app = createGatewayApp({
        buildChatRuntime: scriptedRuntime(scripted, { maxTokens: 1_000 }),
        server: {
          auth: { authenticate: tenantMember },
          database: { embedded: { dir } },
          budgets: [{ scope: 'tenant', limitUsd: 0.12, window: 'day', softAtPercent: 40 }],
          prices,
          webhooks: { url: receiver.url, secret: SECRET, allowedHosts: [receiver.host], pollIntervalMs: 50 },
        },
      });
      const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
      // Rounds that find nothing quiet the pollers of a database this process alone writes.
      await delay(500);
      const response = await bearerRequest(gateway.baseUrl, 'POST', '/chat', 'acme.ada', {
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(response.status).toBe(200);
      await readAllSseFrames(response);
      const verified = await waitFor(() => {
        const found = receiver.verified(SECRET);
        return found.length > 0 ? found : undefined;
      });
      expect(verified).toHaveLength(1);
      expect(verified[0]?.payload).toMatchObject({
        type: 'budget.threshold_reached',
        data: { scope: 'tenant:acme', limit_usd: 0.12, soft_at_percent: 40 },
      });
    });
  },
);
