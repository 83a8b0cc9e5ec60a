import { describe, expect, it } from 'vitest';
import type { ApprovalInboxStore, InboxApprovalRequest } from '../../core/approval-inbox-store.js';
import { BusChannel } from '../../core/stores.js';
import { createMemoryDatabase } from '../../database/memory/memory-database.js';
import { createMemoryMessageBus } from '../../stores/memory/memory-message-bus.js';
import { createAnswerAudit } from './answer-audit.js';

const entry: InboxApprovalRequest = {
  approvalId: `apr_${'a'.repeat(32)}`,
  runId: 'run_1',
  toolCallId: 'toolu_1',
  threadId: null,
  sessionId: 'sess_1',
  nonce: 'nonce_1',
  toolName: 'send_payment',
  input: { to: 'ACME-42' },
  requester: { owner: { apiKeyHash: 'key_1' } },
  requestedAt: 1_000,
  expiresAt: 61_000,
};

/** The audit over a memory bus, with what its followers heard and what it reported. */
async function auditWithFollowers() {
  const bus = createMemoryMessageBus();
  const heard: unknown[] = [];
  await bus.subscribe(BusChannel.approvalInbox(), (message) => {
    heard.push(message);
  });
  const reported: string[] = [];
  const audit = createAnswerAudit({ bus, report: (_error, where) => reported.push(where) });
  return { audit, heard, reported };
}

describe('the answer audit', () => {
  it("keeps an entry's first record, and tells the followers of that one only", async () => {
    const inbox = createMemoryDatabase().approvals;
    if (inbox === undefined) throw new Error('the memory database keeps an inbox');
    await inbox.request(entry);
    const { audit, heard } = await auditWithFollowers();
    const first = await audit.record(inbox, entry, { decision: 'approved', answeredAt: 2_000 });
    const second = await audit.record(inbox, entry, { decision: 'timed_out', answeredAt: 3_000 });
    expect([first, second]).toEqual([true, false]);
    expect((await inbox.get(entry.approvalId))?.answer).toMatchObject({ decision: 'approved' });
    // The bus hands a message to its handlers after the publisher's turn.
    await new Promise(setImmediate);
    expect(heard).toEqual([
      expect.objectContaining({ type: 'settled', approvalId: entry.approvalId, at: 2_000 }),
    ]);
  });

  it('reports a store that fails, tells nobody, and lets the answer stand', async () => {
    const failing: ApprovalInboxStore = {
      request: () => Promise.resolve(true),
      settle: () => Promise.reject(new Error('database down')),
      get: () => Promise.resolve(undefined),
      list: () => Promise.resolve({ items: [] }),
    };
    const { audit, heard, reported } = await auditWithFollowers();
    expect(await audit.record(failing, entry, { decision: 'denied', answeredAt: 2_000 })).toBe(false);
    expect(reported).toEqual([`settling approval ${entry.approvalId} in the inbox`]);
    await new Promise(setImmediate);
    expect(heard).toEqual([]);
  });
});
