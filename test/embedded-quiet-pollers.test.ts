import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const KEY = 'backend-key';
const SECRET = `whsec_${Buffer.from('run-secret-run-secret-run-secret').toString('base64')}`;

// The embedded database is written by this gateway alone: its pollers go quiet while it holds
// nothing for them, and what the gateway writes wakes them (src/stores/sql/sole-writer-polls.ts).
describe('the pollers of an embedded database, quiet while idle', () => {
  it('deliver the webhook of a run started after they went quiet, and retry a refused delivery', async () => {
    const dir = cleanup.add(await mkdtemp(join(tmpdir(), 'agent-gateway-quiet-')), (folder) =>
      rm(folder, { recursive: true, force: true }),
    );
    const receiver = cleanup.add(await startWebhookReceiver([500]), (each) => each.close());
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('Done.')],
      agent: {
        server: {
          validApiKeys: [KEY],
          serverSideApiKeys: [KEY],
          database: { embedded: { dir, engine: 'pglite' } },
          webhooks: { allowedHosts: [receiver.host], pollIntervalMs: 50 },
        },
      },
    });
    const init = await jsonOf(await gateway.post('/chat/init', { api_key: KEY, user: 'alice' }));
    // Several empty rounds: the webhook sender has found nothing to do and stopped asking.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = await gateway.post(
      '/runs',
      { message: 'go', webhook: { url: receiver.url, secret: SECRET } },
      { token: String(init['session_token']) },
    );
    const runId = String((await jsonOf(started))['run_id']);
    expect(started.status).toBe(202);
    // The first attempt is refused (500); the retry comes 5 s later, from the same outbox row.
    const verified = await waitFor(
      () => {
        const delivered = receiver.verified(SECRET);
        return delivered.length === 1 ? delivered[0] : undefined;
      },
      { timeoutMs: 15_000 },
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
  }, 30_000);
});
