import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { startPaymentApproverAgent } from './helpers/payment-approver-agent.js';
import { createSseReader } from './helpers/sse-reader.js';
import { slackClickRequest, startSlackStandIn, type SlackCall } from './helpers/slack-stand-in.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * Slack, built in (`server.approvals.slack`), against a stand-in of Slack's Web API on loopback:
 * the request is posted once with two buttons, a signed click of a mapped approver answers it
 * through the inbox's answer, and every other click is refused with a reason and changes nothing.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const SIGNING_SECRET = 'test-signing-secret-8f2c';
const CHANNEL = 'C0APPROVALS';
const ADA = 'tm:acme:ada:approve:payments';
const EVE = 'tm:acme:eve:approve:payments';

/** Slack users: Eve is mapped by e-mail, Fred and Ada (the requester) by id, Mallory not at all. */
const EMAILS = { U_EVE: 'Eve@Acme.example', U_MALLORY: 'mallory@elsewhere.example' };
const USER_MAP = {
  'eve@acme.example': { subject: 'eve', tenant: 'acme', scopes: ['approve:payments'] },
  U_FRED: { subject: 'fred', tenant: 'acme', scopes: ['approve:payments'] },
  U_ADA: { subject: 'ada', tenant: 'acme', scopes: ['approve:payments'] },
};

interface AuditItem {
  state: string;
  answer?: { decision: string; answered_by: unknown; answered_via: string | null };
}

async function startSlackPayments(server: { approvalTimeoutMs?: number } = {}) {
  const slack = await startSlackStandIn(EMAILS);
  cleanup.add(slack, (open) => open.close());
  const started = await startPaymentApproverAgent(
    cleanup,
    [toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_pay' }), textTurn('Paid.')],
    {
      requireDistinctApprover: ['send_payment'],
      ...server,
      approvals: {
        slack: {
          botToken: 'xoxb-test',
          signingSecret: SIGNING_SECRET,
          channel: CHANNEL,
          userMap: USER_MAP,
          apiUrl: slack.apiUrl,
        },
      },
    },
  );
  const { call, gateway } = started;
  const created = await call('POST', '/threads', ADA, { title: 'Invoices of March' });
  const chat = await call('POST', '/chat', ADA, {
    messages: [{ role: 'user', content: 'Pay ACME-42' }],
    thread_id: String((await jsonOf(created))['thread_id']),
  });
  const reader = createSseReader(chat);
  cleanup.add(reader, (open) => open.cancel());
  await reader.nextOfType('tool_approval_request');
  const posted = await waitFor(() => slack.callsOf('chat.postMessage')[0], {
    description: 'the approval posted to Slack',
  });
  const approvalId = String(buttonsOf(posted)[0]?.['value']);
  const click = (
    userId: string,
    actionId: 'approval_approve' | 'approval_deny' = 'approval_approve',
    changes: { timestamp?: number; signWith?: string } = {},
  ): Promise<Response> => {
    const request = slackClickRequest({
      signingSecret: SIGNING_SECRET,
      userId,
      approvalId,
      actionId,
      channel: CHANNEL,
      messageTs: '1700000000.000001',
      ...changes,
    });
    return fetch(`${gateway.baseUrl}/approvals/slack/actions`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
  };
  const audit = async (): Promise<AuditItem[]> =>
    (await jsonOf(await call('GET', '/approvals?status=answered', ADA)))['approvals'] as AuditItem[];
  const pending = async (): Promise<unknown[]> =>
    (await jsonOf(await call('GET', '/approvals?scope=tenant', EVE)))['approvals'] as unknown[];
  return { ...started, slack, reader, approvalId, click, audit, pending, posted };
}

/** The buttons of a posted message's actions block. */
const buttonsOf = (call: SlackCall | undefined): Array<Record<string, unknown>> => {
  const blocks = (call?.args['blocks'] ?? []) as Array<Record<string, unknown>>;
  const actions = blocks.find((block) => block['type'] === 'actions');
  return (actions?.['elements'] ?? []) as Array<Record<string, unknown>>;
};

/** Every text of a message's blocks, joined: what a person reads. */
const textOf = (call: SlackCall | undefined): string => JSON.stringify(call?.args['blocks'] ?? []);

/** The ephemeral lines Slack user `userId` was shown. */
const ephemeralsTo = (calls: SlackCall[], userId: string): string[] =>
  calls.filter((call) => call.args['user'] === userId).map((call) => String(call.args['text']));

describe('approvals in Slack', () => {
  it('posts one message per request with what it asks and an Approve and a Deny button', async () => {
    const { slack, posted, approvalId } = await startSlackPayments();
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect(posted.args['channel']).toBe(CHANNEL);
    expect(posted.authorization).toBe('Bearer xoxb-test');
    expect(buttonsOf(posted).map((button) => [button['action_id'], button['value']])).toEqual([
      ['approval_approve', approvalId],
      ['approval_deny', approvalId],
    ]);
    const text = textOf(posted);
    for (const shown of ['send_payment', 'ACME-42', 'ada (acme)', 'Invoices of March', '!date^'])
      expect(text).toContain(shown);
  });

  it('answers a signed click of a mapped approver: the tool runs once and the message shows who', async () => {
    const { slack, click, calls, reader, audit } = await startSlackPayments();
    const clicked = await click('U_EVE');
    expect(clicked.status).toBe(200);
    await reader.rest();
    expect(calls).toEqual(['ACME-42']);
    const update = slack.callsOf('chat.update').at(-1);
    expect(update?.args).toMatchObject({ channel: CHANNEL, ts: '1700000000.000001' });
    expect(textOf(update)).toContain('Approved by eve (acme) in Slack');
    expect(buttonsOf(update)).toEqual([]);
    expect(slack.callsOf('chat.postEphemeral')).toEqual([]);
    const [answered] = await audit();
    expect(answered).toMatchObject({
      state: 'answered',
      answer: {
        decision: 'approved',
        answered_by: { issuer: 'authenticate', tenant: 'acme', subject: 'eve' },
        answered_via: 'slack',
      },
    });
  });

  it('refuses a forged, a replayed, an unmapped and the requester’s own click: each changes nothing', async () => {
    const { slack, click, calls, audit, pending } = await startSlackPayments();
    const forged = await click('U_EVE', 'approval_approve', { signWith: 'not-the-secret' });
    expect([forged.status, (await jsonOf(forged))['code']]).toEqual([401, 'slack_signature_invalid']);
    const replayed = await click('U_EVE', 'approval_approve', {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect([replayed.status, (await jsonOf(replayed))['code']]).toEqual([401, 'slack_timestamp_stale']);

    expect((await click('U_MALLORY')).status).toBe(200);
    expect((await click('U_ADA')).status).toBe(200);
    const ephemerals = slack.callsOf('chat.postEphemeral');
    expect(ephemeralsTo(ephemerals, 'U_MALLORY')).toEqual([
      'Your Slack account is not mapped to an approver of this gateway.',
    ]);
    expect(ephemeralsTo(ephemerals, 'U_ADA')).toEqual([
      'You asked for this call yourself: another approver must answer it.',
    ]);
    // Nothing changed: no tool ran, nothing answered, the message untouched, the call still waits.
    expect(calls).toEqual([]);
    expect(await audit()).toEqual([]);
    expect(slack.callsOf('chat.update')).toEqual([]);
    expect(await pending()).toHaveLength(1);
  });

  it('refuses a click after an answer in the inbox and shows who answered there', async () => {
    const { slack, click, call, calls, reader, approvalId } = await startSlackPayments();
    const inboxAnswer = await call('POST', `/approvals/${approvalId}/answer`, EVE, { approved: false });
    expect(inboxAnswer.status).toBe(200);
    await reader.rest();
    expect((await click('U_FRED')).status).toBe(200);
    expect(ephemeralsTo(slack.callsOf('chat.postEphemeral'), 'U_FRED')).toEqual([
      'This approval was already answered.',
    ]);
    expect(calls).toEqual([]);
    const update = await waitFor(() => slack.callsOf('chat.update').at(-1));
    expect(textOf(update)).toContain('Denied by eve (acme) in the inbox');
  });

  it('lets one answer win when two clicks race an inbox answer', async () => {
    const { slack, click, call, calls, reader, approvalId, audit } = await startSlackPayments();
    const [eve, fred, inbox] = await Promise.all([
      click('U_EVE'),
      click('U_FRED'),
      call('POST', `/approvals/${approvalId}/answer`, EVE, { approved: true }),
    ]);
    expect([eve.status, fred.status]).toEqual([200, 200]);
    await reader.rest();
    expect(calls).toEqual(['ACME-42']);
    const answers = await audit();
    expect(answers).toHaveLength(1);
    // Every loser heard why: the inbox's 409, or a line in Slack to the clicker.
    const slackLosers = slack.callsOf('chat.postEphemeral').length;
    const inboxLost = inbox.status === 409 ? 1 : 0;
    expect(inbox.status === 200 || inbox.status === 409).toBe(true);
    expect(slackLosers + inboxLost).toBe(2);
  });

  it('shows on the message that the approval expired, and a later click is refused', async () => {
    const { slack, click, calls, reader } = await startSlackPayments({ approvalTimeoutMs: 500 });
    await reader.rest();
    const update = await waitFor(() => slack.callsOf('chat.update').at(-1), { timeoutMs: 10_000 });
    expect(textOf(update)).toContain('Expired without an answer');
    expect(buttonsOf(update)).toEqual([]);
    expect((await click('U_EVE')).status).toBe(200);
    expect(ephemeralsTo(slack.callsOf('chat.postEphemeral'), 'U_EVE')).toHaveLength(1);
    expect(calls).toEqual([]);
  });
});
