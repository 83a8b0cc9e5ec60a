import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboxDecision } from '../src/core/approval-inbox-store.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createMemoryDatabase } from '../src/database/memory/memory-database.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { startPaymentApproverAgent } from './helpers/payment-approver-agent.js';
import { createSseReader } from './helpers/sse-reader.js';
import { createUiChatClient } from './helpers/ui-chat-client.js';

/*
 * The audit of pending answers (the inbox's record of how each call stopped waiting) has one
 * writer, `pending-answers/answer-audit.ts`: whichever surface answers, the record is written
 * through it, once; no route or protocol module writes it or submits an answer itself.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const AUDIT_WRITER = 'src/server/pending-answers/answer-audit.ts';
const ADA = 'tm:acme:ada:approve:payments';
const EVE = 'tm:acme:eve:approve:payments';

/** One call of the inbox's `settle`: which entry, whether it was kept, and the file that called it. */
interface AuditWrite {
  approvalId: string;
  kept: boolean;
  decision: InboxDecision;
  writer: string | undefined;
}

/** The first file of `src/` on `stack` below its top frame (the counting wrapper itself). */
const writerOf = (stack: string | undefined): string | undefined => {
  const frame = stack
    ?.split('\n')
    .slice(2)
    .find((line) => line.includes(`${ROOT}src/`));
  const path = /\((.*?):\d+:\d+\)$/.exec(frame ?? '')?.[1] ?? /at (.*?):\d+:\d+$/.exec(frame ?? '')?.[1];
  return path === undefined ? undefined : relative(ROOT, path);
};

/** A memory database whose inbox tells every record written to its audit, and by which file. */
function auditedDatabase(): { database: ReturnType<typeof createMemoryDatabase>; writes: AuditWrite[] } {
  const database = createMemoryDatabase();
  const inbox = database.approvals;
  if (inbox === undefined) throw new Error('the memory database keeps an inbox');
  const writes: AuditWrite[] = [];
  const settle = inbox.settle.bind(inbox);
  inbox.settle = async (approvalId, answer) => {
    const writer = writerOf(new Error('audit write').stack);
    const kept = await settle(approvalId, answer);
    writes.push({ approvalId, kept, decision: answer.decision, writer });
    return kept;
  };
  return { database, writes };
}

/** The payment agent on an audited database; `server` adds to its settings. */
async function startAuditedPaymentAgent(server: {
  requireDistinctApprover?: string[];
  approvalTimeoutMs?: number;
}) {
  const { database, writes } = auditedDatabase();
  const started = await startPaymentApproverAgent(
    cleanup,
    [toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_pay' }), textTurn('Done.')],
    { database, ...server },
  );
  /** The one call waiting in Ada's inbox. */
  const waitingItem = async (): Promise<{ approval_id: string; run_id: string }> => {
    const listed = (await jsonOf(await started.call('GET', '/approvals?scope=own', ADA)))['approvals'];
    const [item] = listed as Array<{ approval_id: string; run_id: string }>;
    if (item === undefined) throw new Error('the waiting call is listed');
    return item;
  };
  return { ...started, writes, waitingItem };
}

/** Ada asks to pay an invoice on a thread; the run waits for the approval. */
async function paymentWaitingForApproval(server: {
  requireDistinctApprover?: string[];
  approvalTimeoutMs?: number;
}) {
  const started = await startAuditedPaymentAgent(server);
  const { call } = started;
  const created = await call('POST', '/threads', ADA, { title: 'Invoices' });
  const threadId = String((await jsonOf(created))['thread_id']);
  const chat = await call('POST', '/chat', ADA, {
    messages: [{ role: 'user', content: 'Pay ACME-42' }],
    thread_id: threadId,
  });
  const reader = createSseReader(chat);
  cleanup.add(reader, (open) => open.cancel());
  const request = await reader.nextOfType('tool_approval_request');
  return { ...started, reader, request, item: await started.waitingItem() };
}

/** The audit of one entry after its run ended: every write through the one writer, one kept. */
function expectOneRecordThroughTheWriter(writes: readonly AuditWrite[], approvalId: string): InboxDecision {
  const ofEntry = writes.filter((write) => write.approvalId === approvalId);
  expect(ofEntry.length).toBeGreaterThan(0);
  expect(ofEntry.map((write) => write.writer)).toEqual(ofEntry.map(() => AUDIT_WRITER));
  const kept = ofEntry.filter((write) => write.kept);
  expect(kept).toHaveLength(1);
  return kept[0]?.decision ?? 'timed_out';
}

describe('the audit of pending answers has one writer', () => {
  it('records an answer given in the inbox once, through the audit writer', async () => {
    const { call, writes, reader, item, calls } = await paymentWaitingForApproval({
      requireDistinctApprover: ['send_payment'],
    });
    const answered = await call('POST', `/approvals/${item.approval_id}/answer`, EVE, { approved: true });
    expect(answered.status).toBe(200);
    await reader.rest();
    expect(calls).toEqual(['ACME-42']);
    expect(expectOneRecordThroughTheWriter(writes, item.approval_id)).toBe('approved');
  });

  it("records an approver's answer on POST /runs/:id/tool-approval once, through the audit writer", async () => {
    const { call, writes, reader, request, item } = await paymentWaitingForApproval({
      requireDistinctApprover: ['send_payment'],
    });
    const answered = await call('POST', `/runs/${item.run_id}/tool-approval`, EVE, {
      tool_call_id: request.tool_call_id,
      nonce: request.nonce,
      approved: false,
    });
    expect(answered.status).toBe(200);
    await reader.rest();
    expect(expectOneRecordThroughTheWriter(writes, item.approval_id)).toBe('denied');
  });

  it("records the requester's own answer on POST /chat/tool-approval once, through the audit writer", async () => {
    const { call, writes, reader, request, item, calls } = await paymentWaitingForApproval({});
    const answered = await call('POST', '/chat/tool-approval', ADA, {
      tool_call_id: request.tool_call_id,
      nonce: request.nonce,
      approved: true,
    });
    expect(answered.status).toBe(200);
    await reader.rest();
    expect(calls).toEqual(['ACME-42']);
    expect(expectOneRecordThroughTheWriter(writes, item.approval_id)).toBe('approved');
  });

  it('records the answer a useChat client sends with its next request once, through the audit writer', async () => {
    const { gateway, writes, waitingItem, calls } = await startAuditedPaymentAgent({});
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: ADA });
    await client.chat.sendMessage({ text: 'Pay ACME-42' });
    const asked = client.lastParts().find((part) => part.type === 'tool-send_payment');
    const approvalId = asked !== undefined && 'approval' in asked ? asked.approval?.id : undefined;
    if (approvalId === undefined) throw new Error('the useChat part carries the approval');
    const item = await waitingItem();
    await client.chat.addToolApprovalResponse({ id: approvalId, approved: true });
    await client.finishedTimes(2);
    expect(client.errors).toEqual([]);
    expect(calls).toEqual(['ACME-42']);
    expect(expectOneRecordThroughTheWriter(writes, item.approval_id)).toBe('approved');
  });

  it('records a call nobody answered as timed out, once, through the audit writer', async () => {
    const { writes, reader, item, calls } = await paymentWaitingForApproval({ approvalTimeoutMs: 200 });
    await reader.rest();
    expect(calls).toEqual([]);
    expect(expectOneRecordThroughTheWriter(writes, item.approval_id)).toBe('timed_out');
  });
});

/** Every TypeScript file under `folder` but tests, as paths from the repository's root. */
async function sourceFilesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** What a surface may take from `pending-answers/` besides types: who may see an entry, its errors, reading the inbox. */
const READ_ONLY_HELPERS = new Set(['approval-visibility', 'inbox-errors', 'with-inbox']);

describe('the answer surfaces only translate', () => {
  it('leaves the inbox audit to the audit writer alone', async () => {
    const writers: string[] = [];
    for (const file of await sourceFilesUnder('src')) {
      const text = await readFile(join(ROOT, file), 'utf8');
      if (/\b(?:inbox|approvals|approvalInbox)\??\.settle\(/.test(text)) writers.push(file);
    }
    expect(writers).toEqual([AUDIT_WRITER]);
  });

  it('lets no route or protocol module import more of pending-answers than the service and read-only helpers', async () => {
    const surfaces = [
      ...(await sourceFilesUnder('src/server/routes')),
      ...(await sourceFilesUnder('src/server/protocols')),
    ];
    expect(surfaces.length).toBeGreaterThan(10);
    const reaching: string[] = [];
    for (const file of surfaces) {
      const text = await readFile(join(ROOT, file), 'utf8');
      for (const [, typeOnly, module] of text.matchAll(
        /^import (type )?[^;]*?from '(?:\.\.\/)+pending-answers\/([a-z-]+)\.js';/gms,
      )) {
        if (typeOnly === undefined && !READ_ONLY_HELPERS.has(String(module)))
          reaching.push(`${file}: ${module}`);
      }
    }
    expect(reaching).toEqual([]);
  });
});
