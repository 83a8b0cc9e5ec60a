import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CarryingThreadStore as ThreadStore } from '../src/database/carried-stores.js';
import type { ToolDefinition } from '../src/core/tool.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import type { CreateAgentOptions } from '../src/server/contracts/create-agent-options.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createLatentBusStores } from './helpers/latent-bus-stores.js';
import { jsonOf, startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { createSseReader } from './helpers/sse-reader.js';
import { toolsFrom } from './helpers/tools-from.js';
import { waitFor } from './helpers/wait-for.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

/*
 * Two answers to one approval, sent together around the moment the run is suspended to the
 * database: exactly one is acknowledged (200 or 202), the other hears 409, and the answer that
 * was acknowledged is the one that took effect, in the tool's calls and in the audit.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const ROUNDS = 16;
const SUSPEND_AFTER_MS = 120;

const chargeCard: ToolDefinition = {
  name: 'charge_card',
  description: 'Charges the card (not idempotent)',
  input_schema: { type: 'object', properties: { cents: { type: 'number' } }, required: ['cents'] },
};

type Database = NonNullable<CreateAgentOptions['server']>['database'];

async function startRacingGateway(database: Database) {
  const turns: ScriptedTurn[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    turns.push(toolCallTurn('charge_card', { cents: round }, { id: `toolu_r${round}` }), textTurn('Done.'));
  }
  const upstream = cleanup.add(await createMockUpstream({ anthropic: turns }), (server) => server.close());
  const charged: number[] = [];
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
          return { charged: input['cents'] };
        },
      },
      [chargeCard],
    ),
    server: {
      database,
      validApiKeys: [BACKEND_KEY],
      serverSideApiKeys: [BACKEND_KEY],
      suspendAfterMs: SUSPEND_AFTER_MS,
      suspendedRunScanIntervalMs: 100,
    },
  });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  return { gateway, charged };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const BACKEND_KEY = 'backend-key';

/** A session of the payer, opened by the app's backend: every such session answers the payer's calls. */
async function payerSession(gateway: GatewayClient): Promise<string> {
  const response = await gateway.post('/chat/init', { api_key: BACKEND_KEY, user: 'payer' });
  expect(response.status).toBe(200);
  return String((await jsonOf(response))['session_token']);
}

async function raceOneRound(gateway: GatewayClient, charged: number[], round: number) {
  const token = await payerSession(gateway);
  // The payer's other device.
  const otherToken = await payerSession(gateway);
  const response = await gateway.chat(token, {
    messages: [{ role: 'user', content: `charge ${round}` }],
    thread_id: `thr_race_${round}`,
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  const request = await reader.nextOfType('tool_approval_request');
  const runId = String(reader.frames.at(-1)?.runId);
  const ended = reader.rest();
  // Aim at the suspension moment, a little before or after it as the round goes.
  await delay(SUSPEND_AFTER_MS - 40 + ((round * 7) % 80));
  const answer = (approved: boolean, from: string) =>
    gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved },
      { token: from },
    );
  // A denial from the device that asked and an approval from the other, a few ms apart, in
  // either order.
  const gap = delay((round * 3) % 12);
  const [denial, approval] =
    round % 2 === 0
      ? await Promise.all([answer(false, token), gap.then(() => answer(true, otherToken))])
      : await Promise.all([gap.then(() => answer(false, token)), answer(true, otherToken)]);
  const statuses = [denial.status, approval.status];
  const acknowledged = statuses.filter((status) => status === 200 || status === 202);
  expect(acknowledged, `round ${round}: ${statuses.join(', ')}`).toHaveLength(1);
  // The other hears 409 (already answered), or 404 when it came from the other device while the
  // call still waited in memory (a live call is answered by the session it asked).
  const refused = statuses.filter((status) => status === 409 || status === 404);
  expect(refused, `round ${round}: ${statuses.join(', ')}`).toHaveLength(1);
  const approvedWon = approval.status < 300;
  await ended;
  let last: unknown;
  await waitFor(
    async () => {
      const run = await jsonOf(await gateway.get(`/runs/${runId}`, { token }));
      last = run['status'];
      return run['status'] === 'completed' ? true : undefined;
    },
    {
      timeoutMs: 20_000,
      description: () => `round ${round} (${statuses.join(', ')}) to complete: ${String(last)}`,
    },
  );
  expect(charged.includes(round), `round ${round}: the tool ran iff the approval was acknowledged`).toBe(
    approvedWon,
  );
  const audit = await jsonOf(await gateway.get(`/runs/${runId}/approvals`, { token }));
  expect(audit['approvals'], `round ${round}`).toMatchObject([
    { tool_call_id: `toolu_r${round}`, decision: approvedWon ? 'approved' : 'denied' },
  ]);
}

async function raceEveryRound(database: Database) {
  const { gateway, charged } = await startRacingGateway(database);
  for (let round = 0; round < ROUNDS; round += 1) await raceOneRound(gateway, charged, round);
}

describe('two answers racing the suspension of their run', () => {
  it('acknowledge exactly one answer, the one that took effect (memory store)', async () => {
    await raceEveryRound(createMemoryThreadStore());
  }, 180_000);

  it('acknowledge exactly one answer, the one that took effect (embedded database)', async () => {
    const dir = cleanup.add(await mkdtemp(join(tmpdir(), 'answer-races-')), (folder) =>
      rm(folder, { recursive: true, force: true }),
    );
    await raceEveryRound({ embedded: { dir } });
  }, 180_000);
});

const unavailable = postgresUnavailableReason();
describe.skipIf(unavailable !== undefined)('two answers racing a suspension on PostgreSQL', () => {
  let postgres: PostgresServer;
  beforeAll(async () => {
    postgres = await startPostgresServer();
  }, 180_000);
  afterAll(async () => {
    await postgres?.destroy();
  }, 180_000);

  it('acknowledge exactly one answer, the one that took effect', async () => {
    await raceEveryRound({ postgres: await postgres.createDatabase() });
  }, 180_000);
});

/** A thread store whose `suspend` waits, once its write is done, until the test lets it go on. */
function withHeldSuspension(store: ThreadStore) {
  const suspendedRuns = store.suspendedRuns;
  if (suspendedRuns === undefined) throw new Error('the store keeps no suspended runs');
  let written: () => void = () => undefined;
  const suspensionWritten = new Promise<void>((resolve) => (written = resolve));
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held: ThreadStore = {
    ...store,
    suspendedRuns: {
      ...suspendedRuns,
      suspend: async (run, limits, hold) => {
        await suspendedRuns.suspend(run, limits, hold);
        written();
        await released;
      },
    },
  };
  return { store: held, suspensionWritten, release };
}

/**
 * The interleaving that let two answers win: the denial is claimed, kept and counted as
 * received while the run's suspension is being written, and reaches the run only after the run
 * left memory; the approval then goes to the suspended run from the payer's other device.
 */
async function raceAcrossTheSuspension(database: ThreadStore) {
  const stores = cleanup.add(createLatentBusStores(), (latent) => latent.close());
  const { store, suspensionWritten, release } = withHeldSuspension(database);
  cleanup.add(release, (free) => free());
  const upstream = cleanup.add(
    await createMockUpstream({
      anthropic: [toolCallTurn('charge_card', { cents: 500 }, { id: 'toolu_pay' }), textTurn('Not charged.')],
    }),
    (server) => server.close(),
  );
  const charged: number[] = [];
  const app = createAgent({
    systemPrompt: 'You are a test agent.',
    provider: 'anthropic',
    apiKey: 'test-key',
    providerConfig: { baseURL: upstream.url },
    needsApproval: (toolName) => toolName === 'charge_card',
    tools: toolsFrom({ charge_card: (input) => (charged.push(Number(input['cents'])), { ok: true }) }, [
      chargeCard,
    ]),
    server: {
      store: stores,
      database: store,
      validApiKeys: [BACKEND_KEY],
      serverSideApiKeys: [BACKEND_KEY],
      suspendAfterMs: 100,
      suspendedRunScanIntervalMs: 50,
    },
  });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  const token = await payerSession(gateway);
  const otherToken = await payerSession(gateway);
  const reader = createSseReader(
    await gateway.chat(token, { messages: [{ role: 'user', content: 'pay 5' }], thread_id: 'thr_pay' }),
  );
  const request = await reader.nextOfType('tool_approval_request');
  const runId = String(reader.frames.at(-1)?.runId);
  const answer = (approved: boolean, from: string) =>
    gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved },
      { token: from },
    );

  await suspensionWritten;
  stores.holdDeliveries();
  const denial = await answer(false, token);
  release();
  expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
  stores.releaseDeliveries();
  const approval = await answer(true, otherToken);

  expect([denial.status, approval.status].filter((status) => status < 300)).toHaveLength(1);
  expect(approval.status).toBe(409);
  await waitFor(
    async () => {
      const run = await jsonOf(await gateway.get(`/runs/${runId}`, { token }));
      return run['status'] === 'completed' ? true : undefined;
    },
    { timeoutMs: 20_000 },
  );
  expect(charged).toEqual([]);
  const audit = await jsonOf(await gateway.get(`/runs/${runId}/approvals`, { token }));
  expect(audit['approvals']).toMatchObject([{ tool_call_id: 'toolu_pay', decision: 'denied' }]);
}

describe('an answer counted as received while its run was being suspended', () => {
  it('is the one that takes effect; a later answer from another device hears 409 (memory store)', async () => {
    await raceAcrossTheSuspension(createMemoryThreadStore());
  });

  it('is the one that takes effect; a later answer from another device hears 409 (embedded engine)', async () => {
    const dir = cleanup.add(await mkdtemp(join(tmpdir(), 'answer-race-')), (folder) =>
      rm(folder, { recursive: true, force: true }),
    );
    const engine = cleanup.add(await createPgliteEngineFromTemplate(dir), (open) => open.close());
    await runMigrations(engine);
    await raceAcrossTheSuspension(createSqlThreadStore(engine));
  }, 180_000);
});
