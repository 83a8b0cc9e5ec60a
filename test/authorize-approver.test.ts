import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startPaymentApproverAgent } from './helpers/payment-approver-agent.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader } from './helpers/sse-reader.js';

/*
 * An approver role (issue 46): only `approve:payments` may approve `send_payment`, and with
 * `server.requireDistinctApprover` never the principal whose run asked. Another principal of
 * the run's tenant answers with `POST /runs/:id/tool-approval`; the audit records it.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

async function startPaymentAgent(options: { requireDistinctApprover: boolean | string[] }) {
  const started = await startPaymentApproverAgent(
    cleanup,
    [toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_pay' }), textTurn('Paid.')],
    { requireDistinctApprover: options.requireDistinctApprover },
  );
  const { call } = started;
  // Ada (with the approver scope herself) asks for a payment; her run waits for an approval.
  const chat = await call('POST', '/chat', 'tm:acme:ada:approve:payments', {
    messages: [{ role: 'user', content: 'Pay ACME-42' }],
    thread_id: 'thr_pay',
  });
  const reader = createSseReader(chat);
  cleanup.add(reader, (open) => open.cancel());
  const request = await reader.nextOfType('tool_approval_request');
  const runId = String(reader.frames.at(-1)?.runId);
  const answer = { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true };
  return { ...started, call, reader, runId, answer };
}

describe('an approver role with requireDistinctApprover', () => {
  it('refuses the requester its own approval on every route, and lets an approver of its tenant give it', async () => {
    const { call, reader, runId, answer, calls } = await startPaymentAgent({
      requireDistinctApprover: ['send_payment'],
    });
    const ada = 'tm:acme:ada:approve:payments';
    const own = await call('POST', '/chat/tool-approval', ada, answer);
    expect(own.status).toBe(403);
    expect(await jsonOf(own)).toMatchObject({ code: 'distinct_approver_required' });
    const ownByRun = await call('POST', `/runs/${runId}/tool-approval`, ada, answer);
    expect(ownByRun.status).toBe(403);
    expect(await jsonOf(ownByRun)).toMatchObject({ code: 'distinct_approver_required' });

    // A member without the scope is told nothing; one of another tenant with it neither.
    for (const stranger of ['tm:acme:bob:', 'tm:globex:carl:approve:payments']) {
      const refused = await call('POST', `/runs/${runId}/tool-approval`, stranger, answer);
      expect(refused.status, stranger).toBe(404);
      expect(await jsonOf(refused)).toEqual({ detail: 'Run not found' });
    }
    expect(calls).toEqual([]);

    const approved = await call('POST', `/runs/${runId}/tool-approval`, 'tm:acme:eve:approve:payments', {
      ...answer,
      allow_tool_type: true,
    });
    expect(approved.status).toBe(200);
    await reader.rest();
    expect(calls).toEqual(['ACME-42']);

    type Audit = {
      approvals: Array<{ decision: string; always_allow: boolean; answered_by: { principal: unknown } }>;
    };
    const approvalsOf = async () =>
      ((await jsonOf(await call('GET', `/runs/${runId}/approvals`, ada))) as Audit).approvals;
    // The audit is written after the decision, without holding the run up.
    await expect.poll(approvalsOf).toHaveLength(1);
    const [decision] = await approvalsOf();
    expect(decision).toMatchObject({
      decision: 'approved',
      // "Always allow" never applies to a tool that needs a distinct approver.
      always_allow: false,
      answered_by: { principal: { issuer: 'authenticate', tenant: 'acme', subject: 'eve' } },
    });
  });

  it('lets the requester approve its own call when requireDistinctApprover is off', async () => {
    const { call, reader, answer, calls } = await startPaymentAgent({ requireDistinctApprover: false });
    expect((await call('POST', '/chat/tool-approval', 'tm:acme:ada:approve:payments', answer)).status).toBe(
      200,
    );
    await reader.rest();
    expect(calls).toEqual(['ACME-42']);
  });

  it('refuses an approver of the tenant without the role, and answers it like an unknown run', async () => {
    const { call, runId, answer } = await startPaymentAgent({ requireDistinctApprover: true });
    const refused = await call('POST', `/runs/${runId}/tool-approval`, 'tm:acme:bob:', answer);
    const unknown = await call('POST', '/runs/run_never/tool-approval', 'tm:acme:bob:', answer);
    expect([refused.status, await jsonOf(refused)]).toEqual([unknown.status, await jsonOf(unknown)]);
  });
});
