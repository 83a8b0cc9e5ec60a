/**
 * What listing a tenant's pending approvals costs on the embedded database (`server.database:
 * 'embedded'`, in a temp folder, the engine `serve` picks): 1,000 approvals pending in one
 * tenant (50 requesters), beside 4,000 pending in another tenant and 2,000 already answered in the
 * first, each of its own run. Measured through the store, as `GET /approvals?scope=tenant` reads
 * it: the newest page of 100, and the whole 1,000 page by page (200 a page, by cursor). p50/p95
 * in milliseconds over the samples.
 *
 *   npx tsx bench/approvals-inbox.ts [--samples 50]
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InboxApprovalRequest, InboxQuery } from '../src/core/approval-inbox-store.js';
import { silentLogger } from '../src/core/logger.js';
import type { ThreadOwner } from '../src/core/thread-store.js';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { quantile, round } from './lib/stats.js';

const samplesFlag = process.argv.indexOf('--samples');
const SAMPLES = samplesFlag === -1 ? 50 : Number(process.argv[samplesFlag + 1]);
const PENDING_OF_TENANT = 1_000;
const PENDING_ELSEWHERE = 4_000;
const ANSWERED_OF_TENANT = 2_000;

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');
const tenantKeyOf = (tenant: string): string => hex(JSON.stringify(['tenant', 'bench-issuer', tenant]));
const ownerOf = (tenant: string, subject: string): ThreadOwner => ({
  apiKeyHash: hex(`${tenant}:${subject}`),
  user: subject,
});

const percentiles = (samples: number[]): { p50: number; p95: number } => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(quantile(sorted, 0.5)), p95: round(quantile(sorted, 0.95)) };
};

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'agw-bench-inbox-'));
  const store = await openThreadStore({ embedded: { dir } }, { logger: silentLogger });
  const inbox = store.approvalInbox;
  if (inbox === undefined) throw new Error('the store keeps no inbox');
  try {
    const started = Date.now();
    let made = 0;
    const seed = async (tenant: string, count: number, answered: boolean): Promise<void> => {
      for (let first = 0; first < count; first += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, count - first) }, async (_, offset) => {
            const index = made + first + offset;
            const owner = ownerOf(tenant, `user${index % 50}`);
            const runId = `run_bench_${index}`;
            const at = started - (count - first - offset) * 1_000;
            await store.recordRunStart({ id: runId, threadId: null, owner, model: 'm', startedAt: at });
            const approval: InboxApprovalRequest = {
              approvalId: `apr_${hex(runId).slice(0, 32)}`,
              runId,
              toolCallId: `toolu_${index}`,
              threadId: null,
              sessionId: `sess_${index}`,
              nonce: hex(`nonce${index}`).slice(0, 16),
              toolName: 'send_payment',
              input: { to: `INVOICE-${index}`, amount: index * 10, note: 'x'.repeat(200) },
              requester: {
                owner,
                principal: { issuer: 'bench-issuer', tenant, subject: `user${index % 50}` },
                tenantKey: tenantKeyOf(tenant),
              },
              requestedAt: at,
              expiresAt: started + 86_400_000,
            };
            await inbox.request(approval);
            if (answered)
              await inbox.settle(approval.approvalId, { decision: 'approved', answeredAt: at + 500 });
          }),
        );
      }
      made += count;
    };
    await seed('acme', PENDING_OF_TENANT, false);
    await seed('globex', PENDING_ELSEWHERE, false);
    await seed('acme', ANSWERED_OF_TENANT, true);
    await store.flushWrites?.();
    const seeded = Date.now() - started;

    const base: Omit<InboxQuery, 'limit' | 'cursor'> = {
      owner: ownerOf('acme', 'approver'),
      tenantKey: tenantKeyOf('acme'),
      status: 'pending',
      now: Date.now(),
    };
    const firstPage: number[] = [];
    const whole: number[] = [];
    let listed = 0;
    for (let sample = 0; sample < SAMPLES + 5; sample += 1) {
      const pageStart = performance.now();
      await inbox.list({ ...base, limit: 100 });
      const pageMs = performance.now() - pageStart;
      const wholeStart = performance.now();
      let cursor: string | undefined;
      listed = 0;
      do {
        const page = await inbox.list({ ...base, limit: 200, ...(cursor === undefined ? {} : { cursor }) });
        listed += page.items.length;
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      const wholeMs = performance.now() - wholeStart;
      // The first rounds warm the engine's caches and the prepared plans.
      if (sample >= 5) {
        firstPage.push(pageMs);
        whole.push(wholeMs);
      }
    }
    if (listed !== PENDING_OF_TENANT) throw new Error(`listed ${listed}, expected ${PENDING_OF_TENANT}`);
    console.log(
      JSON.stringify(
        {
          benchmark: 'approvals-inbox',
          machine: describeMachine(),
          loadAverage: currentLoad(),
          engine: store.location,
          seeded: {
            pendingOfTenant: PENDING_OF_TENANT,
            pendingElsewhere: PENDING_ELSEWHERE,
            answeredOfTenant: ANSWERED_OF_TENANT,
            ms: seeded,
          },
          samples: SAMPLES,
          newestPageOf100Ms: percentiles(firstPage),
          all1000In5PagesMs: percentiles(whole),
        },
        null,
        2,
      ),
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
