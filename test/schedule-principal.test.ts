import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { Principal } from '../src/core/principal.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { sendAs } from './helpers/send-as.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * A schedule's fires act as the principal that created it: `server.authorize` is asked
 * `run.start` at each fire and `tool.call` for each tool call with that principal's tenant and
 * scopes; a refusal settles the fire `refused`. A schedule nobody can reach any more (its
 * anonymous session expired) is paused, never fired.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

/** `Bearer sc:<subject>:<tenant>:<scope,scope>`: a principal of that tenant with those scopes. */
const scopedHook = (request: Request): Principal | null => {
  const match = /^Bearer sc:([a-z]+):([a-z]+):([a-z:,]*)$/.exec(request.headers.get('authorization') ?? '');
  if (match === null) return null;
  return { subject: match[1] ?? '', tenant: match[2] ?? '', scopes: (match[3] ?? '').split(','), claims: {} };
};

type Fire = Record<string, unknown>;

const firesOf = async (gateway: GatewayClient, token: string, id: string): Promise<Fire[]> =>
  (await jsonOf(await sendAs(gateway, 'GET', `/schedules/${id}/fires`, token)))['fires'] as Fire[];

describe.skipIf(unavailable !== undefined)('background runs act as their principal', () => {
  it("reaches server.authorize with the creator's tenant and scopes at each fire; a refused tenant's fires are `refused`", async () => {
    const asked: AuthorizeRequest[] = [];
    const suspendedTenants = new Set<string>();
    const payments: string[] = [];
    const { gateway, upstream } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('send_payment', { to: 'bob' }), textTurn('Paid.')],
      agent: {
        tools: [
          tool({
            name: 'send_payment',
            description: 'Sends a payment',
            inputSchema: z.object({ to: z.string() }),
            execute: ({ to }) => {
              payments.push(to);
              return { sent: to };
            },
          }),
        ],
        server: {
          auth: { authenticate: scopedHook },
          authorize: (request) => {
            asked.push(request);
            if (request.principal.tenant !== undefined && suspendedTenants.has(request.principal.tenant)) {
              return request.action !== 'run.start' && request.action !== 'tool.call';
            }
            // The docs' scope rule: payments need the payments:write scope.
            if (request.action === 'tool.call' && request.resource.id === 'send_payment') {
              return request.principal.scopes.includes('payments:write');
            }
            return true;
          },
          database: { postgres: await createDatabase() },
          schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 },
        },
      },
    });
    const ada = 'sc:ada:acme:payments:write';
    const created = await jsonOf(
      await sendAs(gateway, 'POST', '/schedules', ada, { cron: '* * * * * *', message: 'Pay bob' }),
    );
    const id = String(created['schedule_id']);
    await waitFor(async () => ((await firesOf(gateway, ada, id)).length > 0 ? true : undefined), {
      timeoutMs: 20_000,
    });
    await sendAs(gateway, 'PATCH', `/schedules/${id}`, ada, { enabled: false });
    await waitFor(() => (payments.length > 0 ? true : undefined), { timeoutMs: 20_000 });
    // Fires claimed before the PATCH may still run (the model has no turn left for them).
    await waitFor(async () => {
      const running = (await jsonOf(await sendAs(gateway, 'GET', '/runs?status=running', ada)))[
        'runs'
      ] as unknown[];
      return running.length === 0 ? true : undefined;
    });
    expect(payments).toEqual(['bob']);
    const adaAsPrincipal = { subject: 'ada', tenant: 'acme', scopes: ['payments:write'], claims: {} };
    const fired = asked.filter(
      (request) =>
        (request.action === 'run.start' && request.resource.id === undefined) ||
        request.action === 'tool.call',
    );
    expect(fired.find((request) => request.action === 'run.start')?.principal).toEqual(adaAsPrincipal);
    expect(fired.find((request) => request.action === 'tool.call')).toMatchObject({
      principal: adaAsPrincipal,
      resource: { type: 'tool', id: 'send_payment' },
    });
    for (const request of fired) expect(request.principal).toEqual(adaAsPrincipal);

    // A tenant the hook suspends: its schedule's fires are refused, no model call is made.
    const mallory = 'sc:mallory:globex:payments:write';
    const refusedSchedule = await jsonOf(
      await sendAs(gateway, 'POST', '/schedules', mallory, { cron: '* * * * * *', message: 'Pay me' }),
    );
    const refusedId = String(refusedSchedule['schedule_id']);
    suspendedTenants.add('globex');
    const requestsBefore = upstream.requests.length;
    const refused = await waitFor(
      async () => {
        const fires = await firesOf(gateway, mallory, refusedId);
        return fires.filter((fire) => fire['status'] === 'refused').length >= 2 ? fires : undefined;
      },
      { timeoutMs: 20_000 },
    );
    await sendAs(gateway, 'PATCH', `/schedules/${refusedId}`, mallory, { enabled: false });
    expect(refused.some((fire) => fire['status'] === 'fired')).toBe(false);
    expect(String(refused.find((fire) => fire['status'] === 'refused')?.['error'])).toContain('run.start');
    expect(upstream.requests.length).toBe(requestsBefore);
    expect(payments).toEqual(['bob']);
    const runs = (await jsonOf(await sendAs(gateway, 'GET', '/runs', mallory)))['runs'] as unknown[];
    expect(runs).toEqual([]);
  });

  it('pauses the schedule of an anonymous session once the session expired, and never fires it again', async () => {
    const url = await createDatabase();
    const { gateway } = await startMockAgent(cleanup, {
      turns: Array.from({ length: 20 }, (_, index) => textTurn(`Tick ${index}.`)),
      agent: {
        server: {
          validApiKeys: ['anon-key'],
          sessionTtlMs: 3_000,
          database: { postgres: url },
          schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 },
        },
      },
    });
    const { token } = await gateway.openSession('anon-key');
    const created = await sendAs(gateway, 'POST', '/schedules', token, {
      cron: '* * * * * *',
      message: 'Tick',
      new_thread_each_time: true,
    });
    expect(created.status).toBe(201);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanup.add(client, (opened) => opened.end());
    const row = await waitFor(
      async () => {
        const found = await client.query<{
          enabled: boolean;
          next_fire_at: string | null;
          owner_expires_at: string;
        }>('SELECT enabled, next_fire_at, owner_expires_at FROM schedules');
        const schedule = found.rows[0];
        return schedule !== undefined && !schedule.enabled ? schedule : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(row.next_fire_at).toBeNull();
    const expiresAt = Number(row.owner_expires_at);
    const fires = await client.query<{ due_at: string }>('SELECT due_at FROM schedule_fires');
    expect(fires.rows.length).toBeGreaterThan(0);
    for (const fire of fires.rows) expect(Number(fire.due_at)).toBeLessThan(expiresAt);
    // The owner is gone: its token is refused, the schedule stays paused.
    expect((await sendAs(gateway, 'GET', '/schedules', token)).status).toBe(401);
  });

  it('keeps the principal that created a schedule, and refreshes it when its owner calls again or signs in again', async () => {
    const url = await createDatabase();
    const { gateway } = await startMockAgent(cleanup, {
      agent: { server: { auth: { authenticate: scopedHook }, database: { postgres: url } } },
    });
    const created = await sendAs(gateway, 'POST', '/schedules', 'sc:ada:acme:', {
      cron: '0 9 * * *',
      message: 'Report',
      enabled: false,
    });
    expect(created.status).toBe(201);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanup.add(client, (opened) => opened.end());
    const stored = async () =>
      (await client.query<{ principal: unknown }>('SELECT principal FROM schedules')).rows[0]?.principal;
    expect(await stored()).toMatchObject({
      issuer: 'authenticate',
      subject: 'ada',
      tenant: 'acme',
      scopes: [],
    });
    expect((await sendAs(gateway, 'GET', '/schedules', 'sc:ada:acme:reports')).status).toBe(200);
    expect(await stored()).toMatchObject({ subject: 'ada', tenant: 'acme', scopes: ['reports'] });

    // Signing in again (a session opened with a newer token) refreshes it too.
    expect((await sendAs(gateway, 'POST', '/chat/init', 'sc:ada:acme:reports,billing', {})).status).toBe(200);
    await waitFor(async () => {
      const principal = (await stored()) as { scopes?: string[] } | undefined;
      return principal?.scopes?.includes('billing') === true ? true : undefined;
    });
    expect(await stored()).toMatchObject({ subject: 'ada', tenant: 'acme', scopes: ['reports', 'billing'] });
  });
});
