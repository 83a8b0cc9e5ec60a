import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runIdOfFire } from '../../src/core/run-ids.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { sendAs } from '../helpers/send-as.js';
import { readAllSseFrames, textOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { readmeSessionOf, startReadmeDeployment } from './helpers/readme-deployment.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';
import { approveAndFinish, endedRecord, forcedIds, TAKEN, waitingChat } from './helpers/run-id-collisions.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A fire's run id as versions before this one derived it: 48 bits of a hash, as random ids were. */
const runIdOfLegacyFire = (scheduleId: string, dueAt: number): string =>
  createHash('sha256').update(`${scheduleId}@${dueAt}`).digest('hex').slice(0, 12);

/*
 * Issue 75, item 11: an id already in use is never accepted, beyond the live runs that drew
 * theirs at a chat's start: the id of a run that ended, of a run that waits in the queue, and of
 * a schedule's fire. The README's multi-instance setup: `server.store: { redis }`, PostgreSQL.
 */
describe.skipIf(skipReason !== undefined)('run ids that are not a live chat’s, on the README setup', () => {
  const servers = useRedisAndPostgres();

  it('draws again, before streaming, the id of a run that ended on the other instance; both are recorded', async () => {
    const ids = forcedIds(TAKEN, TAKEN);
    const { a, b } = await startReadmeDeployment(cleanup, servers, {
      turns: [[textTurn('First run.')], [textTurn('Second run.')]],
      server: { drawRunId: ids.draw },
    });
    const alice = await readmeSessionOf(a.client, 'alice');
    const bob = await readmeSessionOf(b.client, 'bob');
    const first = await readAllSseFrames(
      await a.client.chat(alice, { messages: [{ role: 'user', content: 'hi' }], thread_id: 'thr-alice' }),
    );
    expect(first.at(-1)?.runId).toBe(TAKEN);
    expect(await endedRecord(a.client, alice, TAKEN)).toMatchObject({ status: 'completed' });

    const second = await readAllSseFrames(
      await b.client.chat(bob, { messages: [{ role: 'user', content: 'hello' }], thread_id: 'thr-bob' }),
    );
    const secondId = second.at(-1)?.runId ?? '';
    expect(ids.drawn.slice(0, 2)).toEqual([TAKEN, TAKEN]);
    // Every frame of the stream carries the id it runs under: none carried the ended run's.
    expect(second.every((frame) => frame.runId === secondId)).toBe(true);
    expect(secondId).not.toBe(TAKEN);
    expect(textOf(second)).toBe('Second run.');
    expect(await endedRecord(b.client, bob, secondId)).toMatchObject({
      status: 'completed',
      thread_id: 'thr-bob',
    });
    expect(await endedRecord(b.client, alice, TAKEN)).toMatchObject({
      status: 'completed',
      thread_id: 'thr-alice',
    });
  });

  it('draws a queued run’s id through server.drawRunId and keeps it while the run waits: a chat on the other instance draws another', async () => {
    const ids = forcedIds();
    const { a, b } = await startReadmeDeployment(cleanup, servers, {
      turns: [
        [
          toolCallTurn('delete_file', { path: '/tmp/t' }, { id: 'toolu_queue' }),
          textTurn('First run done.'),
          textTurn('Queued run.'),
        ],
        [textTurn('Second run.')],
      ],
      server: { drawRunId: ids.draw },
    });
    const bob = await readmeSessionOf(a.client, 'bob');
    const alice = await readmeSessionOf(b.client, 'alice');
    const first = await waitingChat(a.client, bob, 'thr-bob');

    ids.force(TAKEN);
    const queued = await a.client.post('/runs', { message: 'later', multitask: 'enqueue' }, { token: bob });
    expect(queued.status).toBe(202);
    const queuedBody = await jsonOf(queued);
    expect(queuedBody).toMatchObject({ status: 'queued' });
    expect(queuedBody['run_id']).toBe(TAKEN);

    ids.force(TAKEN);
    const second = await readAllSseFrames(
      await b.client.chat(alice, { messages: [{ role: 'user', content: 'hello' }], thread_id: 'thr-alice' }),
    );
    const secondId = second.at(-1)?.runId ?? '';
    expect(secondId).not.toBe(TAKEN);
    expect(textOf(second)).toBe('Second run.');

    expect(await approveAndFinish(a.client, bob, first)).toBe('First run done.');
    expect(await endedRecord(a.client, bob, TAKEN)).toMatchObject({ status: 'completed' });
    expect(await endedRecord(b.client, alice, secondId)).toMatchObject({
      status: 'completed',
      thread_id: 'thr-alice',
    });
  });

  it('runs a schedule’s fire whose id a run of an older version recorded (12 hex digits) under an id of its own', async () => {
    const database = await servers.postgres.createDatabase();
    const { a } = await startReadmeDeployment(cleanup, servers, {
      turns: [[textTurn('Fired.'), textTurn('Fired.'), textTurn('Fired.')], [textTurn('Fired.')]],
      server: { database: { postgres: database }, schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 } },
    });
    const alice = await readmeSessionOf(a.client, 'alice');
    const created = await a.client.post(
      '/schedules',
      { cron: '* * * * * *', message: 'tick', enabled: false },
      { token: alice },
    );
    expect(created.status).toBe(201);
    const scheduleId = String((await jsonOf(created))['schedule_id']);
    // The ids its next fires took under the old derivation, recorded by another owner's runs
    // (the 48-bit ids an older version drew were of that syntax too).
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    cleanup.add(client, () => client.end());
    const second = Math.ceil(Date.now() / 1000) * 1000;
    const oldIds = Array.from({ length: 60 }, (_, index) =>
      runIdOfLegacyFire(scheduleId, second + index * 1000),
    );
    for (const id of oldIds) {
      await client.query(
        `INSERT INTO runs (id, api_key_hash, model, status, started_at, ended_at)
         VALUES ($1, 'older-owner', 'old-model', 'completed', 1, 2)`,
        [id],
      );
    }
    expect(
      (await sendAs(a.client, 'PATCH', `/schedules/${scheduleId}`, alice, { enabled: true })).status,
    ).toBe(200);

    const fire = await waitFor(
      async () => {
        const fires = (await jsonOf(await a.client.get(`/schedules/${scheduleId}/fires`, { token: alice })))[
          'fires'
        ] as Array<{ status: string; run_id: string; due_at: string }>;
        return fires.find((found) => found.status !== 'claimed');
      },
      { timeoutMs: 20_000, description: 'a fire settled' },
    );
    await sendAs(a.client, 'PATCH', `/schedules/${scheduleId}`, alice, { enabled: false });
    expect(fire.status).toBe('fired');
    expect(oldIds).not.toContain(fire.run_id);
    expect(fire.run_id).toBe(runIdOfFire(scheduleId, Date.parse(fire.due_at)));
    expect(await endedRecord(a.client, alice, fire.run_id)).toMatchObject({ status: 'completed' });
    const kept = await client.query<{ api_key_hash: string; status: string }>(
      'SELECT api_key_hash, status FROM runs WHERE id = ANY($1)',
      [oldIds],
    );
    expect(kept.rows).toHaveLength(oldIds.length);
    expect(new Set(kept.rows.map((row) => `${row.api_key_hash} ${row.status}`))).toEqual(
      new Set(['older-owner completed']),
    );
  });
});
