import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { deleteFile } from './helpers/delete-file-agent.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { toolsFrom } from './helpers/tools-from.js';
import { waitFor } from './helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

/*
 * Issue 78: with the embedded database (what `serve` keeps by default), an approval a background
 * run asks for waits 7 days, its webhook is sent when it is requested, and it is answerable days
 * later from the inbox, after the run was suspended to the database. The clock is moved with
 * Vitest's fake `Date`: the gateway reads the process clock at each use, so the suspended run's
 * expiry and the database scan see the moved time.
 */

const unavailable = await embeddedPostgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const KEY = 'backend-key';
const DAY_MS = 24 * 60 * 60 * 1000;
const SECRET = `whsec_${Buffer.from('days-secret-days-secret-days-sec').toString('base64')}`;

/** A gateway on a fresh embedded database whose `delete_file` needs approval; `deleted` lists its calls. */
async function startEmbeddedGateway(receiver: WebhookReceiver, turns: string[]) {
  const dir = cleanup.add(await reachableTempFolder('approval-days-'), (folder) =>
    rm(folder, { recursive: true, force: true }),
  );
  const deleted: string[] = [];
  const { gateway } = await startMockAgent(cleanup, {
    turns: [
      toolCallTurn('delete_file', { path: '/tmp/kept' }, { id: 'toolu_kept' }),
      toolCallTurn('delete_file', { path: '/tmp/late' }, { id: 'toolu_late' }),
      ...turns.map((text) => textTurn(text)),
    ],
    agent: {
      needsApproval: (toolName) => toolName === 'delete_file',
      tools: toolsFrom(
        {
          delete_file: (input) => {
            deleted.push(String(input['path']));
            return { deleted: input['path'] };
          },
        },
        [deleteFile],
      ),
      server: {
        validApiKeys: [KEY],
        serverSideApiKeys: [KEY],
        database: { embedded: { dir } },
        // Every default but these: runs suspended after 150 ms, scanned and webhooks sent quickly.
        suspendAfterMs: 150,
        suspendedRunScanIntervalMs: 100,
        webhooks: { allowedHosts: [receiver.host], pollIntervalMs: 50 },
      },
    },
  });
  return { gateway, deleted };
}

const sessionOf = async (gateway: GatewayClient): Promise<string> => {
  const response = await gateway.post('/chat/init', { api_key: KEY, user: 'alice' });
  return String((await jsonOf(response))['session_token']);
};

const startRun = async (gateway: GatewayClient, message: string, receiver: WebhookReceiver) => {
  const response = await gateway.post(
    '/runs',
    {
      message,
      webhook: { url: receiver.url, secret: SECRET, events: ['run.approval_requested', 'run.ended'] },
    },
    { token: await sessionOf(gateway) },
  );
  const started = await jsonOf(response);
  expect(response.status, JSON.stringify(started)).toBe(202);
  return String(started['run_id']);
};

const runStatus = async (gateway: GatewayClient, runId: string): Promise<unknown> =>
  (await jsonOf(await gateway.get(`/runs/${runId}`, { token: await sessionOf(gateway) })))['status'];

/** The `run.approval_requested` notification of `runId`, with when it was signed (its delivery). */
const requestedNotice = async (receiver: WebhookReceiver, runId: string) => {
  const received = await waitFor(() =>
    receiver.received.find((each) => each.id.startsWith(`msg_${runId}_approval_`)),
  );
  const verified = receiver.verified(SECRET).find((each) => each.id === received.id);
  const data = (verified?.payload as { data: Record<string, string> } | undefined)?.data ?? {};
  return { data, deliveredAtMs: Number(received.timestamp) * 1000 };
};

const answer = (gateway: GatewayClient, approvalId: string, token: string) =>
  gateway.post(`/approvals/${approvalId}/answer`, { approved: true }, { token });

describe.skipIf(unavailable !== undefined)('an approval on the embedded database waits for people', () => {
  it('is notified at the request and answerable 3 days later after suspension, but not after 7 days', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, deleted } = await startEmbeddedGateway(receiver, ['Deleted.', 'Not deleted.']);
    const kept = await startRun(gateway, 'delete /tmp/kept', receiver);
    const keptNotice = await requestedNotice(receiver, kept);
    const requestedAtMs = Date.parse(keptNotice.data['requested_at'] ?? '');
    // Delivered (signed) within 2 s of the request, as the two timestamps say.
    expect(keptNotice.deliveredAtMs - requestedAtMs).toBeLessThan(2_000);
    expect(Date.parse(keptNotice.data['expires_at'] ?? '') - requestedAtMs).toBe(7 * DAY_MS);
    await waitFor(async () => ((await runStatus(gateway, kept)) === 'suspended' ? true : undefined));
    const late = await startRun(gateway, 'delete /tmp/late', receiver);
    const lateNotice = await requestedNotice(receiver, late);
    await waitFor(async () => ((await runStatus(gateway, late)) === 'suspended' ? true : undefined));

    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    cleanup.add(vi, (each) => each.useRealTimers());
    vi.setSystemTime(Date.now() + 3 * DAY_MS);
    const answered = await answer(gateway, keptNotice.data['approval_id'] ?? '', await sessionOf(gateway));
    expect(answered.status, JSON.stringify(await jsonOf(answered.clone()))).toBe(200);
    await waitFor(async () => ((await runStatus(gateway, kept)) === 'completed' ? true : undefined), {
      timeoutMs: 20_000,
    });
    expect(deleted).toEqual(['/tmp/kept']);

    // Past its 7 days the other approval is expired: the moved clock is the one the gateway reads.
    vi.setSystemTime(Date.now() + 5 * DAY_MS);
    const tooLate = await answer(gateway, lateNotice.data['approval_id'] ?? '', await sessionOf(gateway));
    expect(tooLate.status, JSON.stringify(await jsonOf(tooLate.clone()))).not.toBe(200);
    await waitFor(async () => ((await runStatus(gateway, late)) === 'completed' ? true : undefined), {
      timeoutMs: 20_000,
    });
    expect(deleted).toEqual(['/tmp/kept']);
  }, 90_000);
});
