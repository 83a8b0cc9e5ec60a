import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxApprovalRequest, InboxQuery } from '../src/core/approval-inbox-store.js';
import type { ThreadOwner } from '../src/core/thread-store.js';
import type { CarryingThreadStore as ThreadStore } from '../src/database/carried-stores.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

/*
 * The approvals inbox store, the same rules in memory and on SQL (PGlite): what is pending, whose
 * it is, paging by cursor, and that an answer is recorded once and never reopened.
 */

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

const NOW = 1_800_000_000_000;

const engines: Array<[string, () => Promise<{ store: ThreadStore; close: () => Promise<void> }>]> = [
  [
    'memory',
    () => {
      const store = createMemoryThreadStore({ now: () => NOW });
      return Promise.resolve({ store, close: () => store.close() });
    },
  ],
  [
    'SQL (PGlite)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-inbox-store-'));
      folders.push(dir);
      const engine = await createPgliteEngineFromTemplate(dir);
      await runMigrations(engine);
      return { store: createSqlThreadStore(engine), close: () => engine.close() };
    },
  ],
];

describe.each(engines)('the approvals inbox store (%s)', (_name, open) => {
  // One store per engine (PGlite takes seconds to open); each test has owners and ids of its own.
  let opened: { store: ThreadStore; close: () => Promise<void> } | undefined;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(() => opened?.close());
  let tests = 0;

  const setUp = () => {
    tests += 1;
    const test = `t${tests}`;
    if (opened === undefined) throw new Error('store not opened');
    const { store } = opened;
    const ADA: ThreadOwner = { apiKeyHash: `key-ada-${test}`, user: 'ada' };
    const BOB: ThreadOwner = { apiKeyHash: `key-bob-${test}`, user: 'bob' };
    const CARL: ThreadOwner = { apiKeyHash: `key-carl-${test}`, user: 'carl' };
    const inbox = store.approvalInbox;
    if (inbox === undefined) throw new Error('no inbox');
    /** A run of `owner` asking one approval at `at` (tenant `acme` unless said otherwise). */
    const ask = async (owner: ThreadOwner, index: number, at: number, tenant = 'acme') => {
      const runId = `run_${test}_${index}`;
      const tenantKey = `${tenant}-${test}`;
      await store.recordRunStart({ id: runId, threadId: null, owner, model: 'm', startedAt: at });
      const approval: InboxApprovalRequest = {
        approvalId: `apr_${test}_${index}`,
        runId,
        toolCallId: `toolu_${index}`,
        threadId: null,
        sessionId: `sess_${index}`,
        nonce: `nonce${index}`,
        toolName: 'send_payment',
        input: { to: `INV-${index}` },
        requester: { owner, tenantKey },
        requestedAt: at,
        expiresAt: at + 60_000,
      };
      expect(await inbox.request(approval)).toBe(true);
      return approval;
    };
    const ids = async (query: Partial<InboxQuery> & { owner: ThreadOwner }) =>
      (await inbox.list({ status: 'pending', limit: 50, now: NOW, ...query })).items.map(
        (item) => item.approvalId,
      );
    const tenant = (name: string) => `${name}-${test}`;
    return { store, inbox, ask, ids, tenant, ADA, BOB, CARL };
  };

  it('lists an owner its own pending approvals and, by tenant key, its tenant’s, newest first', async () => {
    const { ask, ids, tenant, ADA, BOB, CARL } = setUp();
    const first = await ask(ADA, 1, NOW - 3_000);
    const second = await ask(BOB, 2, NOW - 2_000);
    const elsewhere = await ask(CARL, 3, NOW - 1_000, 'globex');
    expect(await ids({ owner: ADA })).toEqual([first.approvalId]);
    expect(await ids({ owner: BOB, tenantKey: tenant('acme') })).toEqual([
      second.approvalId,
      first.approvalId,
    ]);
    expect(await ids({ owner: BOB, tenantKey: tenant('globex') })).toEqual([
      elsewhere.approvalId,
      second.approvalId,
    ]);
  });

  it('leaves out what expired, what was answered, and what a run that ended asked', async () => {
    const { store, inbox, ask, ids, ADA } = setUp();
    const expired = await ask(ADA, 1, NOW - 120_000);
    const answered = await ask(ADA, 2, NOW - 2_000);
    const ended = await ask(ADA, 3, NOW - 1_500);
    const waiting = await ask(ADA, 4, NOW - 1_000);
    expect(
      await inbox.settle(answered.approvalId, { decision: 'denied', answeredAt: NOW, reason: 'no' }),
    ).toBe(true);
    await store.recordRunEnd(ended.runId, {
      status: 'completed',
      outcomeCode: null,
      turns: 1,
      usage: null,
      estimatedCostUsd: null,
      endedAt: NOW,
    });
    expect(await ids({ owner: ADA })).toEqual([waiting.approvalId]);
    const audit = await inbox.list({ owner: ADA, status: 'answered', limit: 10, now: NOW });
    expect(audit.items.map((item) => [item.approvalId, item.answer?.decision, item.answer?.reason])).toEqual([
      [answered.approvalId, 'denied', 'no'],
    ]);
    expect(expired.approvalId).not.toBe(waiting.approvalId);
  });

  it('records an answer once and never reopens it when the run asks again', async () => {
    const { inbox, ask, ids, ADA } = setUp();
    const asked = await ask(ADA, 1, NOW - 1_000);
    expect(await inbox.settle(asked.approvalId, { decision: 'approved', answeredAt: NOW })).toBe(true);
    expect(await inbox.settle(asked.approvalId, { decision: 'denied', answeredAt: NOW })).toBe(false);
    expect(await inbox.request({ ...asked, nonce: 'another', requestedAt: NOW })).toBe(false);
    expect(await ids({ owner: ADA })).toEqual([]);
    expect((await inbox.get(asked.approvalId))?.answer?.decision).toBe('approved');
    expect(await inbox.settle('apr_unknown', { decision: 'approved', answeredAt: NOW })).toBe(false);
  });

  it('pages by cursor without repeating or skipping', async () => {
    const { inbox, ask, ADA } = setUp();
    const asked = [];
    for (let index = 0; index < 7; index += 1) asked.push(await ask(ADA, index, NOW - 10_000 + index));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await inbox.list({
        owner: ADA,
        status: 'pending',
        limit: 3,
        now: NOW,
        ...(cursor === undefined ? {} : { cursor }),
      });
      seen.push(...page.items.map((item) => item.approvalId));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(asked.map((approval) => approval.approvalId).reverse());
  });
});
