/**
 * What `GET /api/approvals?scope=tenant` costs over HTTP on the embedded database
 * (`server.database: { embedded: { dir } }` in a temp folder): a real gateway whose 1,000
 * approvals of tenant `acme` really wait. Each is a chat of one of 50 requesters (members
 * signed in by an `authenticate` hook) whose model calls `send_payment`, which needs an
 * approval; the run is suspended in the database after `suspendAfterMs` (20 ms), exactly as a
 * run that waits for a person is. Beside them, 200 pending in tenant `globex`. An approver of
 * `acme` (`approve:payments`, which `server.authorize` checks for every item, as the approver
 * role of docs/auth.md does) then lists: the newest page of 100, and all 1,000 in ten pages of
 * 100 by cursor. p50/p95 in milliseconds over the samples, after five warm-up rounds. The bench
 * fails unless the whole listing counts exactly 1,000.
 *
 *   npx tsx bench/approvals-inbox-http.ts [--samples 30]
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { ToolDefinition } from '../src/core/tool.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { memberHook } from '../test/helpers/member-hook.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { treeCpu, type TreeCpu } from './lib/process-tree-cpu.js';
import { quantile, round } from './lib/stats.js';

const flag = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const outFlag = process.argv.indexOf('--out');
const profileFlag = process.argv.indexOf('--cpu-prof');
const SAMPLES = flag('--samples', 30);
const PENDING_OF_TENANT = 1_000;
const PENDING_ELSEWHERE = 200;
const REQUESTERS = 50;
const PAGE = 100;
const WARM_UP = 5;

/** The approver role of docs/auth.md: `approve:payments` answers `send_payment`; owners do the rest. */
const approverRole = ({ principal, action, resource }: AuthorizeRequest): boolean => {
  if (action === 'approval.answer' && resource.tool === 'send_payment')
    return principal.scopes.includes('approve:payments');
  return resource.owner.subject === principal.subject && resource.owner.tenant === principal.tenant;
};
/** A subject of letters only (the hook's pattern): `a`, `b`, … `ba`, … */
const subjectOf = (index: number): string => {
  let name = '';
  let rest = index;
  do {
    name = String.fromCharCode(97 + (rest % 26)) + name;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return `user${name}`;
};

const sendPayment: ToolDefinition = {
  name: 'send_payment',
  description: 'Pays an invoice',
  input_schema: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] },
};

const percentiles = (samples: number[]): { p50: number; p95: number } => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(quantile(sorted, 0.5)), p95: round(quantile(sorted, 0.95)) };
};

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'agw-bench-inbox-http-'));
  const total = PENDING_OF_TENANT + PENDING_ELSEWHERE;
  const upstream = await createMockUpstream({
    recordRequests: false,
    anthropic: Array.from({ length: total }, (_, index) =>
      toolCallTurn(
        'send_payment',
        { to: `INVOICE-${index}`, note: 'x'.repeat(200) },
        { id: `toolu_${index}` },
      ),
    ),
  });
  const app = createAgent({
    systemPrompt: 'You pay invoices when a person approves.',
    provider: 'anthropic',
    apiKey: 'bench-key',
    providerConfig: { baseURL: upstream.url },
    needsApproval: (name) => name === 'send_payment',
    tools: [
      tool({
        name: sendPayment.name,
        description: sendPayment.description,
        inputSchema: sendPayment.input_schema,
        execute: () => ({ paid: true }),
      }),
    ],
    server: {
      auth: { authenticate: memberHook },
      authorize: approverRole,
      database: { embedded: { dir } },
      suspendAfterMs: 20,
      approvalTimeoutMs: 86_400_000,
      maxSuspendedRunsPerOwner: total,
      maxConcurrentRuns: total,
      maxRunsPerApiKey: total,
      maxPendingAnswersPerApiKey: total,
      rateLimit: { requests: total * 20, windowMs: 60_000 },
      metrics: false,
    },
  });
  const server = await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `${server.url}${app.prefix}`;
  const get = (path: string, token: string): Promise<Response> =>
    fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  try {
    /** One chat that stops at its approval; returns once the run is suspended. */
    const chat = async (token: string): Promise<void> => {
      const response = await fetch(`${base}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'Pay the invoice' }] }),
      });
      if (response.status !== 200)
        throw new Error(`chat answered ${response.status}: ${await response.text()}`);
      const text = await response.text();
      if (!text.includes('run_suspended')) throw new Error(`the run was not suspended: ${text.slice(-300)}`);
    };
    const seedStarted = performance.now();
    const seedTenant = async (tenant: string, count: number): Promise<void> => {
      let next = 0;
      // One worker per requester: a member's chats run one after the other, as a person's do.
      await Promise.all(
        Array.from({ length: REQUESTERS }, async (_, requester) => {
          while (next < count) {
            next += 1;
            await chat(`tm:${tenant}:${subjectOf(requester)}:`);
          }
        }),
      );
    };
    await seedTenant('acme', PENDING_OF_TENANT);
    await seedTenant('globex', PENDING_ELSEWHERE);
    const seededMs = Math.round(performance.now() - seedStarted);

    const approver = 'tm:acme:approver:approve:payments';
    const list = async (cursor: string | undefined): Promise<{ count: number; next: string | undefined }> => {
      const query = `scope=tenant&limit=${PAGE}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const response = await get(`/approvals?${query}`, approver);
      if (response.status !== 200) throw new Error(`GET /approvals answered ${response.status}`);
      const body = (await response.json()) as { approvals: unknown[]; next_cursor: string | null };
      return { count: body.approvals.length, next: body.next_cursor ?? undefined };
    };
    // `--cpu-prof <file>`: a CPU profile of the listing alone (not of the seeding).
    const profiler = profileFlag === -1 ? undefined : new Session();
    if (profiler !== undefined) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const firstPage: number[] = [];
    const whole: number[] = [];
    // CPU of this process (the gateway and the client) and of the database's processes, per
    // listing of the 1,000: what a loaded machine's wall times cannot say.
    const cpuMs = { gateway: 0, database: 0 };
    const cpuNow = (): Promise<TreeCpu> => treeCpu(process.pid);
    let listed = 0;
    let pages = 0;
    for (let sample = 0; sample < SAMPLES + WARM_UP; sample += 1) {
      const pageStart = performance.now();
      await list(undefined);
      const pageMs = performance.now() - pageStart;
      const cpuBefore = await cpuNow();
      const wholeStart = performance.now();
      let cursor: string | undefined;
      listed = 0;
      pages = 0;
      do {
        const page = await list(cursor);
        listed += page.count;
        pages += 1;
        cursor = page.next;
      } while (cursor !== undefined);
      const wholeMs = performance.now() - wholeStart;
      const cpuAfter = await cpuNow();
      if (listed !== PENDING_OF_TENANT)
        throw new Error(`GET /approvals?scope=tenant listed ${listed}, expected ${PENDING_OF_TENANT}`);
      if (sample >= WARM_UP) {
        firstPage.push(pageMs);
        whole.push(wholeMs);
        cpuMs.gateway += cpuAfter.rootMs - cpuBefore.rootMs;
        cpuMs.database += cpuAfter.descendantsMs - cpuBefore.descendantsMs;
      }
    }
    if (profiler !== undefined) {
      const { profile } = await profiler.post('Profiler.stop');
      await writeFile(process.argv[profileFlag + 1] ?? 'inbox.cpuprofile', JSON.stringify(profile));
      profiler.disconnect();
    }
    const result = {
      benchmark: 'approvals-inbox-http',
      machine: describeMachine(),
      loadAverage: currentLoad(),
      database: 'embedded',
      seeded: {
        pendingOfTenant: PENDING_OF_TENANT,
        pendingElsewhere: PENDING_ELSEWHERE,
        requesters: REQUESTERS,
        how: 'real chats, each run suspended at its approval',
        ms: seededMs,
      },
      samples: SAMPLES,
      listed,
      pages,
      newestPageOf100Ms: percentiles(firstPage),
      all1000In10PagesOf100Ms: percentiles(whole),
      cpuPerListingOf1000Ms: {
        gatewayAndClient: round(cpuMs.gateway / SAMPLES),
        database: round(cpuMs.database / SAMPLES),
      },
    };
    const json = JSON.stringify(result, null, 2);
    console.log(json);
    if (outFlag !== -1) {
      const out = process.argv[outFlag + 1] ?? '';
      await mkdir(join(out, '..'), { recursive: true });
      await writeFile(out, `${json}\n`);
    }
  } finally {
    await app.close();
    await server.close();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
