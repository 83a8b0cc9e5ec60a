import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { CarryingThreadStore as ThreadStore } from '../src/database/carried-stores.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { identityOfPrincipal } from '../src/server/sessions/principal-session.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { memberHookWithClaims } from './helpers/member-hook.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { deleteFileAgent } from './helpers/delete-file-agent.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * A background run suspended in the database keeps the principal it acted as: resumed later in
 * a new session (here by an approver of its tenant, so not in a session of its owner), its tool
 * calls reach `server.authorize` with the same subject, tenant, scopes and claims as before. A
 * fired schedule in PostgreSQL; a `POST /runs` background run in the memory store.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

/** `Bearer tm:<tenant>:<subject>:<scope,scope>`, of the team `ops`. */
const memberHook = memberHookWithClaims({ team: 'ops' });

/** A daily cron whose only fire in the next day is two seconds from now (UTC). */
const cronOnceSoon = (): string => {
  const at = new Date(Date.now() + 2_000);
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
};

const adaPrincipal = { subject: 'ada', tenant: 'acme', scopes: ['files:write'], claims: { team: 'ops' } };

type Mode = 'memory' | 'database';
const modes: Mode[] = unavailable === undefined ? ['memory', 'database'] : ['memory'];

describe.each(modes)('a suspended background run resumed from the store (%s)', (mode) => {
  it("reaches server.authorize after resume with the creator's subject, tenant, scopes and claims", async () => {
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }), textTurn('Deleted.')],
      }),
      (server) => server.close(),
    );
    const url = mode === 'database' ? await createDatabase() : undefined;
    const memory: ThreadStore | undefined = mode === 'memory' ? createMemoryThreadStore() : undefined;
    const asked: AuthorizeRequest[] = [];
    const deleted: string[] = [];
    const app = createAgent(
      deleteFileAgent(upstream.url, memory ?? { postgres: String(url) }, deleted, {
        auth: { authenticate: memberHook },
        authorize: (request) => {
          asked.push(request);
          if (request.action === 'approval.answer') return request.principal.scopes.includes('approve:files');
          // The docs' tenant and scope rule: only acme's file writers delete files.
          if (request.action === 'tool.call' && request.resource.id === 'delete_file') {
            return request.principal.tenant === 'acme' && request.principal.scopes.includes('files:write');
          }
          return true;
        },
        schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 },
      }),
    );
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const call = (method: string, path: string, token: string, body?: unknown) =>
      bearerRequest(gateway.baseUrl, method, path, token, body);
    const ada = 'tm:acme:ada:files:write';
    const { runId, nonce } =
      mode === 'database' ? await fireSchedule(call, ada, String(url)) : await startRun(call, ada, memory);
    const runStatus = async (): Promise<unknown> =>
      (await jsonOf(await call('GET', `/runs/${runId}`, ada)))['status'];
    await waitFor(async () => ((await runStatus()) === 'suspended' ? true : undefined));
    const question = asked.length;
    const answer = { tool_call_id: 'toolu_1', nonce, approved: true };

    const approved = await call('POST', `/runs/${runId}/tool-approval`, 'tm:acme:eve:approve:files', answer);
    expect(approved.status, JSON.stringify(await approved.clone().json())).toBe(200);
    await waitFor(async () => ((await runStatus()) === 'completed' ? true : undefined), {
      timeoutMs: 20_000,
      description: 'the resumed run completes',
    });
    expect(deleted).toEqual(['/tmp/a']);
    const toolCall = asked
      .slice(question)
      .find((request) => request.action === 'tool.call' && request.resource.id === 'delete_file');
    expect(toolCall?.principal).toEqual(adaPrincipal);
  });
});

type Call = (method: string, path: string, token: string, body?: unknown) => Promise<Response>;

/**
 * Has the schedule fire once, and resolves its run once suspended, with the nonce of its call:
 * whoever answers reads it from the run's stream; the test reads it from the database.
 */
async function fireSchedule(
  call: Call,
  token: string,
  url: string,
): Promise<{ runId: string; nonce: string }> {
  const created = await call('POST', '/schedules', token, {
    cron: cronOnceSoon(),
    timezone: 'UTC',
    message: 'delete /tmp/a',
  });
  expect(created.status, JSON.stringify(await created.clone().json())).toBe(201);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanup.add(client, (opened) => opened.end());
  return waitFor(
    async () => {
      const found = await client.query<{ run_id: string; nonce: string }>(
        'SELECT run_id, nonce FROM suspended_calls',
      );
      const row = found.rows[0];
      return row === undefined ? undefined : { runId: row.run_id, nonce: row.nonce };
    },
    { timeoutMs: 20_000, description: 'the fired run is suspended' },
  );
}

/** Starts a background run (`POST /runs`) and resolves it once suspended, with its call's nonce. */
async function startRun(
  call: Call,
  token: string,
  store: ThreadStore | undefined,
): Promise<{ runId: string; nonce: string }> {
  const started = await call('POST', '/runs', token, { message: 'delete /tmp/a' });
  expect(started.status).toBe(202);
  const runId = String((await jsonOf(started))['run_id']);
  const { apiKeyHash, user } = identityOfPrincipal({ ...adaPrincipal, issuer: 'authenticate' });
  return waitFor(
    async () => {
      const open = await store?.suspendedRuns?.pendingAnswers({ apiKeyHash, user: String(user) }, runId);
      const nonce = open?.[0]?.nonce;
      return nonce === undefined ? undefined : { runId, nonce };
    },
    { timeoutMs: 20_000, description: 'the background run is suspended' },
  );
}
