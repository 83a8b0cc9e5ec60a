import { describe, expect, it } from 'vitest';
import type { PendingAnswerRecord } from '../../core/stores.js';
import { createMemoryMessageBus } from '../../stores/memory/memory-message-bus.js';
import { createMemoryPendingAnswerStore } from '../../stores/memory/memory-pending-answer-store.js';
import { answerPendingAnswers } from './answer-pending-answers.js';
import { requesterMayNotApprove, requiresDistinctApprover } from './distinct-approver.js';

const approval: PendingAnswerRecord = {
  toolCallId: 'call_pay',
  sessionId: 'sess_ada',
  runId: 'run_1',
  kind: 'approval',
  nonce: 'n1',
  requestedAt: Date.now() / 1000,
  expiresAt: Date.now() / 1000 + 600,
  status: 'approval_pending',
  toolName: 'send_payment',
};

describe('requireDistinctApprover', () => {
  it('applies to every tool with true, to the tools named in a list, and to none with false', () => {
    expect(requiresDistinctApprover(true, 'anything')).toBe(true);
    expect(requiresDistinctApprover(['send_payment'], 'send_payment')).toBe(true);
    expect(requiresDistinctApprover(['send_payment'], 'get_weather')).toBe(false);
    expect(requiresDistinctApprover(false, 'send_payment')).toBe(false);
  });

  it('refuses approvals only, never a client-side tool result', () => {
    expect(requesterMayNotApprove(true)(approval)?.status).toBe(403);
    expect(requesterMayNotApprove(true)({ kind: 'client_tool', toolName: 'send_payment' })).toBeUndefined();
  });

  it('refuses the session whose run asked its own approval on the useChat and AG-UI path, and leaves the call waiting', async () => {
    const pendingAnswers = createMemoryPendingAnswerStore();
    const stores = { pendingAnswers, bus: createMemoryMessageBus() };
    await pendingAnswers.create(approval);
    await expect(
      answerPendingAnswers({
        stores,
        sessionId: 'sess_ada',
        approvals: [{ approvalId: 'n1', toolCallId: 'call_pay', approved: true, alwaysAllow: false }],
        toolOutputs: [],
        report: () => undefined,
        requireDistinctApprover: ['send_payment'],
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect((await pendingAnswers.findInSession('sess_ada', 'call_pay'))?.status).toBe('approval_pending');
  });
});
