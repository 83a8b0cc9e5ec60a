import { afterEach, describe, expect, it } from 'vitest';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { sendAs, sessionTokenOf } from './helpers/send-as.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const KEY = 'backend-key';

async function startScheduledAgent(turns: number) {
  const url = await createDatabase();
  const { gateway } = await startMockAgent(cleanup, {
    turns: Array.from({ length: turns }, (_, index) => textTurn(`Fire ${index}.`)),
    agent: {
      server: {
        validApiKeys: [KEY],
        serverSideApiKeys: [KEY],
        database: { postgres: url },
        schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 },
      },
    },
  });
  return gateway;
}

describe.skipIf(unavailable !== undefined)('/schedules', () => {
  it('creates, reads, updates and deletes schedules of their owner only; checks cron and zone', async () => {
    const gateway = await startScheduledAgent(0);
    const token = await sessionTokenOf(gateway, KEY, 'alice');
    const created = await sendAs(gateway, 'POST', '/schedules', token, {
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      message: 'Morning report',
      new_thread_each_time: true,
    });
    const schedule = await jsonOf(created);
    expect(created.status).toBe(201);
    expect(schedule).toMatchObject({
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      enabled: true,
      webhook: null,
    });
    expect(typeof schedule['next_fire_at']).toBe('string');
    const id = String(schedule['schedule_id']);

    const stranger = await sessionTokenOf(gateway, KEY, 'mallory');
    expect((await sendAs(gateway, 'GET', `/schedules/${id}`, stranger)).status).toBe(404);
    expect((await jsonOf(await sendAs(gateway, 'GET', '/schedules', stranger)))['schedules']).toEqual([]);
    expect((await sendAs(gateway, 'DELETE', `/schedules/${id}`, stranger)).status).toBe(404);

    const listed = await jsonOf(await sendAs(gateway, 'GET', '/schedules', token));
    expect(
      (listed['schedules'] as Array<Record<string, unknown>>).map((each) => each['schedule_id']),
    ).toEqual([id]);
    const disabled = await jsonOf(
      await sendAs(gateway, 'PATCH', `/schedules/${id}`, token, { enabled: false }),
    );
    expect(disabled).toMatchObject({ enabled: false, next_fire_at: null });

    const badCron = await sendAs(gateway, 'POST', '/schedules', token, { cron: '61 * * * *', message: 'x' });
    expect(badCron.status).toBe(422);
    expect((await jsonOf(badCron))['code']).toBe('invalid_schedule');
    const badZone = await sendAs(gateway, 'POST', '/schedules', token, {
      cron: '* * * * *',
      timezone: 'Mars/Base',
      message: 'x',
    });
    expect((await jsonOf(badZone))['code']).toBe('invalid_schedule');
    const both = await sendAs(gateway, 'POST', '/schedules', token, {
      cron: '* * * * *',
      message: 'x',
      thread_id: 't1',
      new_thread_each_time: true,
    });
    expect(both.status).toBe(422);

    expect(await jsonOf(await sendAs(gateway, 'DELETE', `/schedules/${id}`, token))).toEqual({
      schedule_id: id,
      deleted: true,
    });
    expect((await sendAs(gateway, 'GET', `/schedules/${id}`, token)).status).toBe(404);
  });

  it('fires as background runs of its owner on its thread, and stops when disabled', async () => {
    const gateway = await startScheduledAgent(6);
    const token = await sessionTokenOf(gateway, KEY, 'alice');
    const created = await jsonOf(
      await sendAs(gateway, 'POST', '/schedules', token, {
        cron: '* * * * * *',
        message: 'Tick',
        thread_id: 'thr-ticks',
        metadata: { kind: 'tick' },
      }),
    );
    const id = String(created['schedule_id']);
    const runsOfThread = async () =>
      (await jsonOf(await sendAs(gateway, 'GET', '/runs?thread_id=thr-ticks&status=completed', token)))[
        'runs'
      ] as unknown[];
    await waitFor(async () => ((await runsOfThread()).length >= 2 ? true : undefined), { timeoutMs: 20_000 });
    await sendAs(gateway, 'PATCH', `/schedules/${id}`, token, { enabled: false });
    // Fires claimed before the PATCH may still be starting: wait until the running ones ended.
    await waitFor(async () => {
      const running = (await jsonOf(await sendAs(gateway, 'GET', '/runs?status=running', token)))[
        'runs'
      ] as unknown[];
      return running.length === 0 ? true : undefined;
    });
    const thread = await jsonOf(await sendAs(gateway, 'GET', '/threads/thr-ticks', token));
    const messages = thread['messages'] as Array<{ role: string; content: unknown }>;
    expect(
      messages.filter((message) => message.role === 'user').every((message) => message.content === 'Tick'),
    ).toBe(true);
    expect(messages.length % 2).toBe(0);
    const stranger = await sessionTokenOf(gateway, KEY, 'mallory');
    expect((await jsonOf(await sendAs(gateway, 'GET', '/runs', stranger)))['runs']).toEqual([]);
    const schedule = await jsonOf(await sendAs(gateway, 'GET', `/schedules/${id}`, token));
    expect(typeof schedule['last_fired_at']).toBe('string');
    // Each fire is recorded once, with the run it started; the owner's only.
    const fires = (await jsonOf(await sendAs(gateway, 'GET', `/schedules/${id}/fires`, token)))[
      'fires'
    ] as Array<Record<string, unknown>>;
    const completed = (await runsOfThread()) as Array<Record<string, unknown>>;
    expect(fires.length).toBeGreaterThanOrEqual(completed.length);
    expect(new Set(fires.map((fire) => fire['due_at'])).size).toBe(fires.length);
    expect(fires.every((fire) => fire['status'] === 'fired')).toBe(true);
    const firedRuns = new Set(fires.map((fire) => fire['run_id']));
    for (const run of completed) expect(firedRuns.has(run['run_id'])).toBe(true);
    expect((await sendAs(gateway, 'GET', `/schedules/${id}/fires`, stranger)).status).toBe(404);
  });
});
