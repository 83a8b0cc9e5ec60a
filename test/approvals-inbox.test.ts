import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startPaymentApproverAgent } from './helpers/payment-approver-agent.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader } from './helpers/sse-reader.js';
import { createNamedSseReader } from './helpers/named-sse-reader.js';

/*
 * The approvals inbox on one instance: `GET /approvals` lists what waits for the caller (its
 * own runs', and with `scope=tenant` its tenant's that `server.authorize` lets it answer), and
 * `POST /approvals/:approval_id/answer` answers it with the caller's own credentials.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** Ada holds the approver scope herself: `requireDistinctApprover` still refuses her own call. */
const ADA = 'tm:acme:ada:approve:payments';
const EVE = 'tm:acme:eve:approve:payments';
const BOB = 'tm:acme:bob:';
const CARL = 'tm:globex:carl:approve:payments';

interface InboxItem {
  approval_id: string;
  tool: string;
  input: unknown;
  state: string;
  thread_title: string | null;
  requested_by: unknown;
  answer?: {
    decision: string;
    answered_by: unknown;
    answered_at: string;
    answered_via: string | null;
    reason: string | null;
  };
}

async function startPaymentInbox(
  turns: Parameters<typeof startPaymentApproverAgent>[1],
  beforeChat: (
    call: (method: string, path: string, token: string) => Promise<Response>,
  ) => Promise<void> = () => Promise.resolve(),
  server: { approvalTimeoutMs?: number } = {},
) {
  const started = await startPaymentApproverAgent(cleanup, turns, {
    requireDistinctApprover: ['send_payment'],
    ...server,
  });
  const { call } = started;
  const inboxOf = async (token: string, query = 'scope=tenant'): Promise<InboxItem[]> => {
    const response = await call('GET', `/approvals?${query}`, token);
    expect(response.status).toBe(200);
    return (await jsonOf(response))['approvals'] as InboxItem[];
  };
  await beforeChat(call);
  const created = await call('POST', '/threads', ADA, { title: 'Invoices of March' });
  const threadId = String((await jsonOf(created))['thread_id']);
  const chat = await call('POST', '/chat', ADA, {
    messages: [{ role: 'user', content: 'Pay ACME-42' }],
    thread_id: threadId,
  });
  const reader = createSseReader(chat);
  cleanup.add(reader, (open) => open.cancel());
  const request = await reader.nextOfType('tool_approval_request');
  return { ...started, call, inboxOf, reader, request };
}

describe('the approvals inbox on one instance', () => {
  it('opens its stream with the configured reconnection delay, and with none when none is configured', async () => {
    const firstChunk = async (server: { sseRetryMs?: number }) => {
      const { call } = await startPaymentApproverAgent(cleanup, [textTurn('Hi.')], server);
      const response = await call('GET', '/approvals/stream?scope=tenant', EVE);
      const reader = response.body?.getReader();
      if (reader === undefined) throw new Error('a stream body expected');
      cleanup.add(reader, (open) => open.cancel());
      const chunk: unknown = (await reader.read()).value;
      if (!(chunk instanceof Uint8Array)) throw new Error('a first chunk expected');
      return new TextDecoder().decode(chunk);
    };
    const unset = await firstChunk({});
    expect(unset).toContain(': connected');
    expect(unset).not.toContain('retry:');
    expect(await firstChunk({ sseRetryMs: 2_500 })).toMatch(/^retry: 2500\n/);
  });

  it("lists a requester's waiting call to the requester and to its tenant's approver, to nobody else", async () => {
    const { inboxOf, request } = await startPaymentInbox([
      toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_pay' }),
      textTurn('Paid.'),
    ]);
    const own = await inboxOf(ADA, 'scope=own');
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({
      tool: 'send_payment',
      input: { to: 'ACME-42' },
      state: 'live',
      thread_title: 'Invoices of March',
      requested_by: { issuer: 'authenticate', tenant: 'acme', subject: 'ada' },
    });
    expect(own[0]?.approval_id).toMatch(/^apr_[0-9a-f]{32}$/);
    // The inbox answers by approval id: the nonce never leaves the requester's stream.
    expect(JSON.stringify(own)).not.toContain(request.nonce);
    expect(await inboxOf(EVE)).toEqual(own);
    // A member the hook refuses, and an approver of another tenant, see nothing.
    expect(await inboxOf(BOB)).toEqual([]);
    expect(await inboxOf(CARL)).toEqual([]);
    // Without scope=tenant an approver sees only its own runs' calls.
    expect(await inboxOf(EVE, 'scope=own')).toEqual([]);
  });

  it('answers by approval_id: the tool runs once, the call leaves every list, a second answer is 409', async () => {
    const { inboxOf, call, reader, calls } = await startPaymentInbox([
      toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_pay' }),
      textTurn('Paid.'),
    ]);
    const [item] = await inboxOf(EVE);
    if (item === undefined) throw new Error('one waiting approval expected');
    const answer = (token: string) =>
      call('POST', `/approvals/${item.approval_id}/answer`, token, { approved: true });

    // The requester may not approve its own payment; strangers hear it does not exist.
    const own = await answer(ADA);
    expect(own.status).toBe(403);
    expect(await jsonOf(own)).toMatchObject({ code: 'distinct_approver_required' });
    for (const stranger of [BOB, CARL]) {
      const refused = await answer(stranger);
      expect(refused.status, stranger).toBe(404);
      expect(await jsonOf(refused)).toMatchObject({ code: 'approval_not_found' });
    }
    expect(calls).toEqual([]);

    const approved = await answer(EVE);
    expect(approved.status).toBe(200);
    expect(await jsonOf(approved)).toMatchObject({ status: 'ok', approval_id: item.approval_id });
    expect(await inboxOf(EVE)).toEqual([]);
    expect(await inboxOf(ADA, 'scope=own')).toEqual([]);
    await reader.rest();
    expect(calls).toEqual(['ACME-42']);

    const again = await answer(EVE);
    expect(again.status).toBe(409);
    expect(calls).toEqual(['ACME-42']);

    const audit = await inboxOf(ADA, 'status=answered');
    expect(audit).toHaveLength(1);
    // Answered means answered: the state says so, with who, when and where.
    expect(audit[0]?.state).toBe('answered');
    expect(audit[0]?.answer).toMatchObject({
      decision: 'approved',
      answered_by: { issuer: 'authenticate', tenant: 'acme', subject: 'eve' },
      answered_via: 'inbox',
    });
    expect(Date.parse(String(audit[0]?.answer?.answered_at))).not.toBeNaN();
    expect(await inboxOf(CARL, 'scope=tenant&status=answered')).toEqual([]);
  });

  it('hands a denial’s reason to the model', async () => {
    const { inboxOf, call, reader, calls, upstream } = await startPaymentInbox([
      toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_pay' }),
      textTurn('Not paid.'),
    ]);
    const [item] = await inboxOf(EVE);
    const denied = await call('POST', `/approvals/${String(item?.approval_id)}/answer`, EVE, {
      approved: false,
      reason: 'Invoice ACME-42 was paid last week',
    });
    expect(denied.status).toBe(200);
    await reader.rest();
    expect(calls).toEqual([]);
    const followUp = JSON.stringify(upstream.requests.at(-1)?.body);
    expect(followUp).toContain('User denied execution: Invoice ACME-42 was paid last week');
    expect((await inboxOf(ADA, 'status=answered'))[0]?.answer).toMatchObject({
      decision: 'denied',
      reason: 'Invoice ACME-42 was paid last week',
    });
  });

  it('refuses bad input with a clear code', async () => {
    const { call, inboxOf } = await startPaymentInbox([
      toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_pay' }),
      textTurn('Paid.'),
    ]);
    const badStatus = await call('GET', '/approvals?status=maybe', EVE);
    expect([badStatus.status, (await jsonOf(badStatus))['code']]).toEqual([400, 'invalid_status']);
    const [item] = await inboxOf(EVE);
    const badBody = await call('POST', `/approvals/${String(item?.approval_id)}/answer`, EVE, {
      approved: 'yes',
    });
    expect(badBody.status).toBe(422);
    const unknown = await call('POST', '/approvals/apr_nope/answer', EVE, { approved: true });
    expect([unknown.status, (await jsonOf(unknown))['code']]).toEqual([404, 'approval_not_found']);
    // Nothing was lost: the call still waits.
    expect(await inboxOf(EVE)).toHaveLength(1);
  });

  it('streams a call requested and answered to its approver, and replays what came after Last-Event-ID', async () => {
    let stream: ReturnType<typeof createNamedSseReader> | undefined;
    const { call, reader, gateway } = await startPaymentInbox(
      [toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_pay' }), textTurn('Paid.')],
      async (open) => {
        const response = await open('GET', '/approvals/stream?scope=tenant', EVE);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain('text/event-stream');
        stream = createNamedSseReader(response);
        cleanup.add(stream, (opened) => opened.cancel());
      },
    );
    if (stream === undefined) throw new Error('stream not opened');
    const requested = await stream.next();
    expect(requested).toMatchObject({
      event: 'approval_requested',
      data: { tool: 'send_payment', input: { to: 'ACME-42' }, thread_title: 'Invoices of March' },
    });
    const approvalId = String(requested?.data['approval_id']);
    expect((await call('POST', `/approvals/${approvalId}/answer`, EVE, { approved: true })).status).toBe(200);
    const answered = await stream.next();
    expect(answered).toMatchObject({
      event: 'approval_answered',
      data: { approval_id: approvalId, answer: { decision: 'approved' } },
    });
    await reader.rest();

    // Resumed after the request: what happened since is replayed, then the stream follows live.
    const resume = (lastEventId: string) =>
      fetch(`${gateway.baseUrl}/approvals/stream?scope=tenant`, {
        headers: { authorization: `Bearer ${EVE}`, 'last-event-id': lastEventId },
      });
    const replay = createNamedSseReader(await resume(String(requested?.id)));
    cleanup.add(replay, (opened) => opened.cancel());
    expect(await replay.next()).toMatchObject({
      event: 'approval_answered',
      data: { approval_id: approvalId },
    });
    const bad = await resume('not-an-id');
    expect([bad.status, (await jsonOf(bad))['code']]).toEqual([400, 'invalid_last_event_id']);
  });

  it('streams approval_expired when nobody answers in time, and the audit says it timed out', async () => {
    let stream: ReturnType<typeof createNamedSseReader> | undefined;
    const { inboxOf, reader } = await startPaymentInbox(
      [toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_pay' }), textTurn('Not paid.')],
      async (open) => {
        stream = createNamedSseReader(await open('GET', '/approvals/stream?scope=tenant', EVE));
        cleanup.add(stream, (opened) => opened.cancel());
      },
      { approvalTimeoutMs: 300 },
    );
    if (stream === undefined) throw new Error('stream not opened');
    const requested = await stream.next();
    expect(requested?.event).toBe('approval_requested');
    expect(await stream.next()).toMatchObject({
      event: 'approval_expired',
      data: {
        approval_id: requested?.data['approval_id'],
        answer: { decision: 'timed_out', answered_by: null },
      },
    });
    await reader.rest();
    expect(await inboxOf(EVE)).toEqual([]);
    expect((await inboxOf(EVE, 'scope=tenant&status=answered'))[0]?.answer).toMatchObject({
      decision: 'timed_out',
    });
  });
});
