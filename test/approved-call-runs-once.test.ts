import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseStores } from '../src/core/database-stores.js';
import { databaseStoresOf } from '../src/agent-spec/database-stores-of.js';
import type { ThreadStore } from '../src/core/thread-store.js';
import type { ToolDefinition } from '../src/core/tool.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { createPgliteEngine } from '../src/database/sql/pglite-engine.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import { createSseReader } from './helpers/sse-reader.js';
import { toolsFrom } from './helpers/tools-from.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * An approval that reaches the live run as it is being suspended: the run goes on to its tool
 * while the suspension, already written with that approval, is resumed elsewhere. The order is
 * forced with gates in the database (no timing): the live run's approval is held between its
 * arrival and the tool, while the run is suspended. The tool runs once, whichever path gets
 * there first, and the run completes with its one result.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const BACKEND_KEY = 'backend-key';

const chargeCard: ToolDefinition = {
  name: 'charge_card',
  description: 'Charges the card (not idempotent)',
  input_schema: { type: 'object', properties: { cents: { type: 'number' } }, required: ['cents'] },
};

/** A promise with its resolver, to open a gate from the test. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * The database with gates: the inbox's settling of the first decision waits for `decision` (the
 * live run holds its approval there, between its arrival and the tool), the suspension's write
 * waits until it does, and lifting the suspension's hold waits for `release` (the resumption
 * waits there).
 */
function gatedDatabase(base: DatabaseStores, gates: { decision: Promise<void>; release: Promise<void> }) {
  const { approvals, suspendedRuns } = base;
  if (approvals === undefined || suspendedRuns === undefined) throw new Error('a full database expected');
  const decisionHeld = gate();
  let decisions = 0;
  const claims = { decided: 0 };
  const database: DatabaseStores = {
    ...base,
    approvals: {
      ...approvals,
      settle: async (approvalId, answer) => {
        decisions += 1;
        if (decisions === 1) {
          decisionHeld.open();
          await gates.decision;
        }
        return approvals.settle(approvalId, answer);
      },
    },
    suspendedRuns: {
      ...suspendedRuns,
      // The suspension is written only once the live run holds the approval, whenever its
      // timer fires: the approval reaches the live run, never the suspended one.
      suspend: async (...suspension: Parameters<typeof suspendedRuns.suspend>) => {
        await decisionHeld.opened;
        return suspendedRuns.suspend(...suspension);
      },
      claimExecution: async (...call: Parameters<typeof suspendedRuns.claimExecution>) => {
        const claim = await suspendedRuns.claimExecution(...call);
        claims.decided += 1;
        return claim;
      },
      release: async (runId, holder) => {
        await gates.release;
        return suspendedRuns.release(runId, holder);
      },
    },
  };
  return { database, decisionHeld: decisionHeld.opened, claims };
}

async function startPayingGateway(database: DatabaseStores) {
  const upstream = cleanup.add(
    await createMockUpstream({
      anthropic: [toolCallTurn('charge_card', { cents: 500 }, { id: 'toolu_pay' }), textTurn('Charged.')],
    }),
    (server) => server.close(),
  );
  const charged: number[] = [];
  const firstCharge = gate();
  const app = createAgent({
    systemPrompt: 'You are a test agent.',
    provider: 'anthropic',
    apiKey: 'test-key',
    providerConfig: { baseURL: upstream.url },
    needsApproval: (toolName) => toolName === 'charge_card',
    tools: toolsFrom(
      {
        charge_card: (input) => {
          charged.push(Number(input['cents']));
          firstCharge.open();
          return { charged: input['cents'] };
        },
      },
      [chargeCard],
    ),
    server: {
      database,
      validApiKeys: [BACKEND_KEY],
      serverSideApiKeys: [BACKEND_KEY],
      suspendAfterMs: 50,
      suspendedRunScanIntervalMs: 600_000,
    },
  });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  return { gateway, charged, upstream, firstCharge: firstCharge.opened };
}

async function payerSession(gateway: GatewayClient): Promise<string> {
  const response = await gateway.post('/chat/init', { api_key: BACKEND_KEY, user: 'payer' });
  expect(response.status).toBe(200);
  return String((await jsonOf(response))['session_token']);
}

/** Starts a paying chat and approves its call; resolves once the run was suspended with it. */
async function approveAsTheRunIsSuspended(gateway: GatewayClient, decisionHeld: Promise<void>) {
  const token = await payerSession(gateway);
  const reader = createSseReader(
    await gateway.chat(token, { messages: [{ role: 'user', content: 'pay 5' }], thread_id: 'thr_pay' }),
  );
  const request = await reader.nextOfType('tool_approval_request');
  const runId = String(reader.frames.at(-1)?.runId);
  const approval = await gateway.post(
    '/chat/tool-approval',
    { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved: true },
    { token },
  );
  expect(approval.status).toBe(200);
  await decisionHeld;
  // The live run holds the approval; its wait has not ended, so it is suspended with it.
  expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
  const completed = () =>
    waitFor(
      async () => {
        const run = await jsonOf(await gateway.get(`/runs/${runId}`, { token }));
        return run['status'] === 'completed' ? true : undefined;
      },
      { timeoutMs: 20_000, description: 'the run to complete' },
    );
  return { completed };
}

/** The resumed run gets to the tool first; the live run's approval arrives at the tool after. */
async function resumedRunFirst(base: DatabaseStores) {
  const decision = gate();
  const { database, decisionHeld, claims } = gatedDatabase(base, {
    decision: decision.opened,
    release: Promise.resolve(),
  });
  const { gateway, charged } = await startPayingGateway(database);
  const { completed } = await approveAsTheRunIsSuspended(gateway, decisionHeld);
  await completed();
  expect(charged).toEqual([500]);
  decision.open();
  // Both paths that held the approval have decided: the card charged twice, or the live run's
  // late approval found the call's execution claimed.
  await waitFor(() => (charged.length > 1 || claims.decided >= 2 ? true : undefined), {
    description: 'the live run to reach the tool',
  });
  expect(charged).toEqual([500]);
}

/** The live run gets to the tool first; the resumed run then continues from its result. */
async function liveRunFirst(base: DatabaseStores) {
  const decision = gate();
  const charge = gate();
  const { database, decisionHeld } = gatedDatabase(base, {
    decision: decision.opened,
    release: charge.opened,
  });
  const { gateway, charged, upstream, firstCharge } = await startPayingGateway(database);
  void firstCharge.then(charge.open);
  const suspended = approveAsTheRunIsSuspended(gateway, decisionHeld);
  const { completed } = await suspended;
  decision.open();
  await completed();
  expect(charged).toEqual([500]);
  // The model read the one charge's result.
  const toolResults = JSON.stringify(upstream.requests.at(-1)?.body);
  expect(toolResults).toContain('toolu_pay');
  expect(toolResults).toContain('charged');
}

async function pgliteStore(): Promise<ThreadStore> {
  const dir = cleanup.add(await mkdtemp(join(tmpdir(), 'approved-once-')), (folder) =>
    rm(folder, { recursive: true, force: true }),
  );
  const engine = cleanup.add(await createPgliteEngine(dir), (open) => open.close());
  await runMigrations(engine);
  return createSqlThreadStore(engine);
}

describe('an approval that reaches the live run as the run is suspended', () => {
  it('runs the tool once when the resumed run gets there first (memory store)', async () => {
    await resumedRunFirst(databaseStoresOf(createMemoryThreadStore()));
  });

  it('runs the tool once when the live run gets there first, and the resumed run reads its result (memory store)', async () => {
    await liveRunFirst(databaseStoresOf(createMemoryThreadStore()));
  });

  it('runs the tool once when the resumed run gets there first (embedded engine)', async () => {
    await resumedRunFirst(databaseStoresOf(await pgliteStore()));
  }, 120_000);

  it('runs the tool once when the live run gets there first, and the resumed run reads its result (embedded engine)', async () => {
    await liveRunFirst(databaseStoresOf(await pgliteStore()));
  }, 120_000);
});
