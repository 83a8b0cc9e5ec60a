import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateAgentOptions } from '../src/server/contracts/create-agent-options.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createGatedTool } from './helpers/gated-tool.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const KEY = 'backend-key';
const RUN_SECRET = `whsec_${Buffer.from('run-secret-run-secret-run-secret').toString('base64')}`;
const SERVER_SECRET = `whsec_${Buffer.from('server-secret-server-secret-0123').toString('base64')}`;

async function startHookedAgent(
  turns: ScriptedTurn[],
  receiver: WebhookReceiver,
  webhooks: Record<string, unknown> = {},
  tools: CreateAgentOptions['tools'] = [],
) {
  const url = await createDatabase();
  const database = cleanup.add(new pg.Client({ connectionString: url }), (client) => client.end());
  const { gateway } = await startMockAgent(cleanup, {
    turns,
    agent: {
      tools,
      server: {
        validApiKeys: [KEY],
        serverSideApiKeys: [KEY],
        database: { postgres: url },
        webhooks: { allowedHosts: [receiver.host], pollIntervalMs: 50, ...webhooks },
      },
    },
  });
  await database.connect();
  const response = await gateway.post('/chat/init', { api_key: KEY, user: 'alice' });
  const token = String((await jsonOf(response))['session_token']);
  return { gateway, token, database };
}

const startRun = async (gateway: GatewayClient, token: string, body: unknown): Promise<string> => {
  const response = await gateway.post('/runs', body, { token });
  const started = await jsonOf(response);
  expect(response.status, JSON.stringify(started)).toBe(202);
  return String(started['run_id']);
};

const outboxOf = async (database: pg.Client) =>
  (
    await database.query<{
      id: string;
      attempts: number;
      delivered_at: string | null;
      last_error: string | null;
    }>('SELECT id, attempts, delivered_at, last_error FROM webhook_outbox')
  ).rows;

describe.skipIf(unavailable !== undefined)('webhooks of background runs', () => {
  it('posts the end of a run once, signed with its secret, from the outbox', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, token, database } = await startHookedAgent([textTurn('Done.')], receiver);
    const runId = await startRun(gateway, token, {
      message: 'go',
      metadata: { job: 7 },
      webhook: { url: receiver.url, secret: RUN_SECRET },
    });
    const delivered = await waitFor(async () => {
      const rows = await outboxOf(database);
      return rows[0]?.delivered_at === null ? undefined : rows[0];
    });
    expect(delivered?.attempts).toBe(1);
    const verified = receiver.verified(RUN_SECRET);
    expect(verified).toHaveLength(1);
    expect(verified[0]?.id).toBe(`msg_${runId}_ended`);
    expect(verified[0]?.payload).toMatchObject({
      type: 'run.ended',
      data: { run_id: runId, status: 'completed', metadata: { job: 7 }, schedule_id: null },
    });
    // Signed with the run's secret, not the server's: the server's does not verify it.
    expect(() => receiver.verified(SERVER_SECRET)).toThrow();
  });

  it('sends server.webhooks to runs without their own, retrying a refusal with the same webhook-id', async () => {
    const receiver = cleanup.add(await startWebhookReceiver([500]), (each) => each.close());
    const { gateway, token, database } = await startHookedAgent([textTurn('Done.')], receiver, {
      url: receiver.url,
      secret: SERVER_SECRET,
    });
    const runId = await startRun(gateway, token, { message: 'go' });
    await waitFor(
      async () => {
        const rows = await outboxOf(database);
        return rows[0]?.delivered_at === null ? undefined : rows[0];
      },
      { timeoutMs: 15_000 },
    );
    expect(receiver.received.map((each) => each.status)).toEqual([500, 204]);
    expect(new Set(receiver.received.map((each) => each.id))).toEqual(new Set([`msg_${runId}_ended`]));
    expect(receiver.verified(SERVER_SECRET)).toHaveLength(1);
    const [row] = await outboxOf(database);
    expect(row?.attempts).toBe(2);
  });

  it('refuses at the start a webhook URL naming a loopback, local, unspecified or IPv4-in-IPv6 private host unless allowed', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, token, database } = await startHookedAgent([], receiver, { allowedHosts: [] });
    for (const url of [
      `https://${receiver.host}/hook?token=abcdef123456`,
      'https://[::ffff:127.0.0.1]/hook',
      'https://[64:ff9b::169.254.169.254]/hook',
      'https://[64:ff9b:1::a00:1]/hook',
      'https://[2002:7f00:1::1]/hook',
      'https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook',
      'https://[::10.0.0.1]/hook',
      'https://localhost/hook',
      'https://0.0.0.0/hook',
    ]) {
      const response = await gateway.post(
        '/runs',
        { message: 'go', webhook: { url, secret: RUN_SECRET } },
        { token },
      );
      const body = await jsonOf(response);
      expect({ status: response.status, code: body['code'] }, url).toEqual({
        status: 422,
        code: 'invalid_webhook_url',
      });
      expect(String(body['detail'])).toContain('server.webhooks.allowedHosts');
      expect(String(body['detail'])).not.toContain('abcdef123456');
    }
    expect(await outboxOf(database)).toEqual([]);
    expect(receiver.received).toEqual([]);
  });

  it('says which setting allows a local http receiver, and that it allows http too', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, token } = await startHookedAgent([], receiver, { allowedHosts: [] });
    const response = await gateway.post(
      '/runs',
      { message: 'go', webhook: { url: receiver.url, secret: RUN_SECRET } },
      { token },
    );
    expect(response.status).toBe(422);
    expect(await jsonOf(response)).toMatchObject({
      code: 'invalid_webhook_url',
      detail: `webhooks go to https: URLs only, or to a host listed in server.webhooks.allowedHosts (which allows http: too), such as "${receiver.host}"`,
    });
  });

  it('ends a queued run that could not start as failed, with why, for GET /runs/:id and its webhook', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const gated = createGatedTool();
    const { gateway, token, database } = await startHookedAgent(
      [toolCallTurn('wait_here', {}, { id: 'call_w' }), textTurn('Busy done.')],
      receiver,
      {},
      [gated.tool],
    );
    await startRun(gateway, token, { message: 'busy' });
    await waitFor(() => (gated.calls > 0 ? true : undefined), { description: 'the first run works' });
    // Another user's thread: not read before the run's turn (the session is busy), refused then.
    const bob = String(
      (await jsonOf(await gateway.post('/chat/init', { api_key: KEY, user: 'bob' })))['session_token'],
    );
    const bobsThread = String(
      (await jsonOf(await gateway.post('/threads', {}, { token: bob })))['thread_id'],
    );
    const runId = await startRun(gateway, token, {
      message: 'later',
      thread_id: bobsThread,
      multitask: 'enqueue',
      metadata: { job: 9 },
      webhook: { url: receiver.url, secret: RUN_SECRET },
    });
    expect((await jsonOf(await gateway.get(`/runs/${runId}`, { token })))['status']).toBe('queued');
    gated.open();

    const failed = await waitFor(async () => {
      const run = await jsonOf(await gateway.get(`/runs/${runId}`, { token }));
      return run['status'] === 'failed' ? run : undefined;
    });
    expect(failed).toMatchObject({
      run_id: runId,
      status: 'failed',
      outcome_code: 'invalid_request',
      multitask_strategy: 'enqueue',
      // Bob's thread is not Alice's: her run's record names none.
      thread_id: null,
    });
    expect((await jsonOf(await gateway.get('/runs?status=queued', { token })))['runs']).toEqual([]);
    await waitFor(async () => {
      const rows = await outboxOf(database);
      return rows.some((row) => row.delivered_at !== null) ? true : undefined;
    });
    expect(receiver.verified(RUN_SECRET)).toEqual([
      {
        id: `msg_${runId}_ended`,
        payload: expect.objectContaining({
          type: 'run.ended',
          data: expect.objectContaining({ run_id: runId, status: 'failed', metadata: { job: 9 } }) as unknown,
        }) as unknown,
      },
    ]);
  });
});
