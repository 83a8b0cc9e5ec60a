import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ToolDefinition } from '../src/core/tool.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { toolsFrom } from './helpers/tools-from.js';
import { waitFor } from './helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const KEY = 'backend-key';
const SECRET = `whsec_${Buffer.from('run-secret-run-secret-run-secret').toString('base64')}`;
const deleteFile: ToolDefinition = {
  name: 'delete_file',
  description: 'Deletes a file',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

/**
 * A gateway on Postgres whose `delete_file` needs approval and whose runs suspend at once
 * (`server` replaces those settings: `{}` keeps every default).
 */
async function startApprovingAgent(
  turns: ScriptedTurn[],
  receiver: WebhookReceiver,
  server: Record<string, unknown> = {
    suspendAfterMs: 100,
    suspendedRunScanIntervalMs: 100,
    webhooks: { allowedHosts: [receiver.host], pollIntervalMs: 50 },
  },
) {
  const url = await createDatabase();
  const database = cleanup.add(new pg.Client({ connectionString: url }), (client) => client.end());
  const { gateway } = await startMockAgent(cleanup, {
    turns,
    agent: {
      needsApproval: (toolName) => toolName === 'delete_file',
      tools: toolsFrom({ delete_file: (input) => ({ deleted: input['path'] }) }, [deleteFile]),
      server: {
        validApiKeys: [KEY],
        serverSideApiKeys: [KEY],
        database: { postgres: url },
        ...server,
      },
    },
  });
  await database.connect();
  return { gateway, database };
}

const sessionOf = async (gateway: GatewayClient): Promise<string> => {
  const response = await gateway.post('/chat/init', { api_key: KEY, user: 'alice' });
  return String((await jsonOf(response))['session_token']);
};

const startRun = async (gateway: GatewayClient, token: string, body: unknown): Promise<string> => {
  const response = await gateway.post('/runs', body, { token });
  const started = await jsonOf(response);
  expect(response.status, JSON.stringify(started)).toBe(202);
  return String(started['run_id']);
};

/** The approval a run is suspended on, as the database holds it (the test is the run's client). */
const suspendedCallOf = (database: pg.Client, runId: string) =>
  waitFor(async () => {
    const found = await database.query<{ tool_call_id: string; nonce: string }>(
      'SELECT tool_call_id, nonce FROM suspended_calls WHERE run_id = $1',
      [runId],
    );
    return found.rows[0];
  });

const outboxIds = async (database: pg.Client): Promise<string[]> =>
  (await database.query<{ id: string }>('SELECT id FROM webhook_outbox ORDER BY id')).rows.map(
    (row) => row.id,
  );

describe.skipIf(unavailable !== undefined)('run.approval_requested webhooks', () => {
  it('posts an approval a run waits on once, signed, with the tool call and without the nonce', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, database } = await startApprovingAgent(
      [toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }), textTurn('Deleted.')],
      receiver,
    );
    const token = await sessionOf(gateway);
    const runId = await startRun(gateway, token, {
      message: 'delete /tmp/a',
      metadata: { job: 7 },
      webhook: { url: receiver.url, secret: SECRET, events: ['run.approval_requested', 'run.ended'] },
    });
    const call = await suspendedCallOf(database, runId);
    await waitFor(() => (receiver.received.length > 0 ? true : undefined));
    const [asked] = receiver.verified(SECRET);
    expect(asked?.id).toBe(`msg_${runId}_approval_toolu_1`);
    expect(asked?.payload).toMatchObject({
      type: 'run.approval_requested',
      data: {
        run_id: runId,
        thread_id: null,
        tool_name: 'delete_file',
        tool_call_id: 'toolu_1',
        metadata: { job: 7 },
        schedule_id: null,
      },
    });
    expect(receiver.received[0]?.body).not.toContain(call.nonce);
    // The inbox lists the approval under the id the notification links to.
    const approvalId = String((asked?.payload as { data: Record<string, unknown> }).data['approval_id']);
    expect(approvalId).toMatch(/^apr_[0-9a-f]{32}$/);
    expect((asked?.payload as { data: Record<string, unknown> }).data['inbox_url']).toBe(
      `/inbox?approval=${approvalId}`,
    );
    const listed = await jsonOf(await gateway.get('/approvals', { token }));
    expect(listed['approvals']).toMatchObject([{ approval_id: approvalId, state: 'suspended' }]);
    expect(JSON.stringify(asked?.payload)).not.toContain('$webhook_events');

    const answered = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: call.tool_call_id, nonce: call.nonce, approved: true },
      { token },
    );
    expect(answered.status).toBe(200);
    await waitFor(() => (receiver.received.length >= 2 ? true : undefined), { timeoutMs: 15_000 });
    const verified = receiver.verified(SECRET);
    expect(verified.map((each) => each.id)).toEqual([`msg_${runId}_approval_toolu_1`, `msg_${runId}_ended`]);
    expect(verified[1]?.payload).toMatchObject({ type: 'run.ended', data: { metadata: { job: 7 } } });
    expect(await outboxIds(database)).toEqual([`msg_${runId}_approval_toolu_1`, `msg_${runId}_ended`]);
  });

  it('tells each webhook only the events it names (by default the end only)', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, database } = await startApprovingAgent(
      [
        toolCallTurn('delete_file', { path: '/tmp/quiet' }, { id: 'toolu_quiet' }),
        toolCallTurn('delete_file', { path: '/tmp/told' }, { id: 'toolu_told' }),
        textTurn('Deleted.'),
      ],
      receiver,
    );
    const quiet = await startRun(gateway, await sessionOf(gateway), {
      message: 'delete /tmp/quiet',
      webhook: { url: receiver.url, secret: SECRET },
    });
    await suspendedCallOf(database, quiet);
    // Started once the first is suspended: the round that enqueues its approval saw both.
    const toldToken = await sessionOf(gateway);
    const told = await startRun(gateway, toldToken, {
      message: 'delete /tmp/told',
      webhook: { url: receiver.url, secret: SECRET, events: ['run.approval_requested'] },
    });
    await waitFor(() => (receiver.received.length > 0 ? true : undefined));
    expect(await outboxIds(database)).toEqual([`msg_${told}_approval_toolu_told`]);

    // A webhook that asked for approvals only is not told of the end.
    const call = await suspendedCallOf(database, told);
    await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: call.tool_call_id, nonce: call.nonce, approved: true },
      { token: toldToken },
    );
    await waitFor(
      async () => {
        const found = await database.query<{ notified: number }>(
          'SELECT 1 AS notified FROM background_runs WHERE run_id = $1 AND notified_at IS NOT NULL',
          [told],
        );
        return found.rows[0];
      },
      { timeoutMs: 15_000 },
    );
    expect(await outboxIds(database)).toEqual([`msg_${told}_approval_toolu_told`]);
  });

  it('tells of an approval when it is requested, with its expiry, and it waits 7 days by default', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    // Every default but the receiver's host: suspension after 60 s, a webhook round every second.
    const { gateway, database } = await startApprovingAgent(
      [toolCallTurn('delete_file', { path: '/tmp/later' }, { id: 'toolu_later' }), textTurn('Deleted.')],
      receiver,
      { webhooks: { allowedHosts: [receiver.host] } },
    );
    const runId = await startRun(gateway, await sessionOf(gateway), {
      message: 'delete /tmp/later',
      webhook: { url: receiver.url, secret: SECRET, events: ['run.approval_requested', 'run.ended'] },
    });
    await waitFor(() => (receiver.received.length > 0 ? true : undefined));
    const [asked] = receiver.verified(SECRET);
    const data = (asked?.payload as { timestamp: string; data: Record<string, string> }).data;
    const requestedAt = Date.parse(data['requested_at'] ?? '');
    // Sent at the request, long before the run is suspended (after 60 s).
    expect(Date.parse((asked?.payload as { timestamp: string }).timestamp) - requestedAt).toBeLessThan(2_000);
    expect((await database.query('SELECT 1 FROM suspended_runs WHERE run_id = $1', [runId])).rowCount).toBe(
      0,
    );
    expect(Date.parse(data['expires_at'] ?? '') - requestedAt).toBe(7 * 24 * 60 * 60 * 1000);

    // Three days later the approval still waits, and its owner answers it from the inbox.
    vi.useFakeTimers({ toFake: ['Date'] });
    cleanup.add(vi, (each) => each.useRealTimers());
    vi.setSystemTime(Date.now() + 3 * 24 * 60 * 60 * 1000);
    const token = await sessionOf(gateway);
    const answered = await gateway.post(
      `/approvals/${data['approval_id'] ?? ''}/answer`,
      { approved: true },
      { token },
    );
    expect(answered.status, JSON.stringify(await jsonOf(answered.clone()))).toBe(200);
    await waitFor(() => (receiver.received.length >= 2 ? true : undefined), { timeoutMs: 15_000 });
    // Read as sent: the first notification's signature is three days old on the moved clock.
    expect(JSON.parse(receiver.received[1]?.body ?? '{}')).toMatchObject({
      type: 'run.ended',
      data: { run_id: runId, status: 'completed' },
    });
  });

  it('tells of an approval that expired without an answer, once', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, database } = await startApprovingAgent(
      [toolCallTurn('delete_file', { path: '/tmp/never' }, { id: 'toolu_never' }), textTurn('Not deleted.')],
      receiver,
      {
        approvalTimeoutMs: 500,
        suspendAfterMs: false,
        webhooks: { allowedHosts: [receiver.host], pollIntervalMs: 50 },
      },
    );
    const runId = await startRun(gateway, await sessionOf(gateway), {
      message: 'delete /tmp/never',
      webhook: { url: receiver.url, secret: SECRET, events: ['run.approval_expired'] },
    });
    await waitFor(() => (receiver.received.length > 0 ? true : undefined), { timeoutMs: 15_000 });
    const [expired] = receiver.verified(SECRET);
    expect(expired?.id).toBe(`msg_${runId}_approval_toolu_never_expired`);
    expect(expired?.payload).toMatchObject({
      type: 'run.approval_expired',
      data: { run_id: runId, tool_name: 'delete_file', tool_call_id: 'toolu_never' },
    });
    // Only the event the webhook asked for: no notification of the request itself.
    expect(await outboxIds(database)).toEqual([`msg_${runId}_approval_toolu_never_expired`]);
  });
});
