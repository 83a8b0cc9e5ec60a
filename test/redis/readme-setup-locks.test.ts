import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { createSseReader, textOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  readmeSessionOf,
  settledRunStatuses,
  startReadmeDeployment,
  suspensionLifted,
} from './helpers/readme-deployment.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A run that waits for a person's approval of `delete_file`: it holds its thread and its slot. */
const waitingTurn = (index: number) =>
  toolCallTurn('delete_file', { path: '/tmp/t' }, { id: `toolu_readme_${index}` });

/** A long answer streamed word by word: it outlasts a shutdown's grace, so the run is handed over. */
const slowAnswer = () =>
  textTurn(Array.from({ length: 200 }, (_word, index) => `word${index}`).join(' '), { eventDelayMs: 50 });

/** Lease of runs and thread locks in the hand-over test: short, so an unrenewed lock lapses. */
const SHORT_LEASE_MS = 1_500;

/*
 * Issue 75, item 2: the deployment the README documents, `server.store: { redis: url }` (each
 * app makes its own stores) and PostgreSQL, two instances. The thread's lock and the key's run
 * cap must be the deployment's, not each instance's.
 */
describe.skipIf(skipReason !== undefined)('locks and caps with the README multi-instance setup', () => {
  const servers = useRedisAndPostgres();

  it('refuses POST /api/runs and POST /api/chat on B with 409 while A’s run works in the thread, and A’s run completes', async () => {
    const { a, b } = await startReadmeDeployment(cleanup, servers, {
      turns: [
        [waitingTurn(0), textTurn('A done.')],
        [textTurn('B wrote into the busy thread.'), textTurn('B wrote again.')],
      ],
    });
    const onA = await readmeSessionOf(a.client, 'alice');
    const onB = await readmeSessionOf(b.client, 'alice');
    const stream = createSseReader(
      await a.client.chat(onA, {
        messages: [{ role: 'user', content: 'delete /tmp/t' }],
        thread_id: 'thr-readme',
      }),
    );
    const approval = await stream.nextOfType('tool_approval_request');

    const viaRuns = await b.client.post(
      '/runs',
      { message: 'from B', thread_id: 'thr-readme', multitask: 'reject' },
      { token: onB },
    );
    expect(viaRuns.status).toBe(409);
    const viaChat = await b.client.chat(onB, {
      messages: [{ role: 'user', content: 'from B' }],
      thread_id: 'thr-readme',
      multitask: 'reject',
    });
    expect(viaChat.status).toBe(409);
    expect(await jsonOf(viaChat)).toMatchObject({ code: 'thread_busy' });

    const answered = await a.client.post(
      '/chat/tool-approval',
      { tool_call_id: approval.tool_call_id, nonce: approval.nonce, approved: true },
      { token: onA },
    );
    expect(answered.status).toBe(200);
    expect(textOf(await stream.rest())).toBe('A done.');
    expect(await settledRunStatuses(a.client, onA, 'thr-readme')).toEqual(['completed']);
    expect(b.provider.requests).toHaveLength(0);
  });

  it('refuses a chat on A with 409 while a suspended run, resumed on B by its approval, works in the thread, and the resumed run completes', async () => {
    const { a, b, databaseUrl } = await startReadmeDeployment(cleanup, servers, {
      turns: [
        [waitingTurn(5), textTurn('A wrote into the busy thread.')],
        [slowAnswer(), textTurn('B wrote again.')],
      ],
      server: { suspendAfterMs: 150, suspendedRunScanIntervalMs: 60_000 },
    });
    const onA = await readmeSessionOf(a.client, 'alice');
    const stream = createSseReader(
      await a.client.chat(onA, {
        messages: [{ role: 'user', content: 'delete /tmp/t' }],
        thread_id: 'thr-resumed',
      }),
    );
    const approval = await stream.nextOfType('tool_approval_request');
    expect(await stream.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
    await suspensionLifted(databaseUrl, String(stream.frames.at(-1)?.runId));

    const answered = await b.client.post(
      '/chat/tool-approval',
      { tool_call_id: approval.tool_call_id, nonce: approval.nonce, approved: true },
      { token: onA },
    );
    expect(answered.status).toBe(200);
    expect(await jsonOf(answered)).toMatchObject({ resumed: true });
    await waitFor(() => (b.provider.requests.length === 1 ? true : undefined), {
      description: 'the resumed run asked B’s model',
    });

    const otherDevice = await readmeSessionOf(a.client, 'alice');
    const viaChat = await a.client.chat(otherDevice, {
      messages: [{ role: 'user', content: 'from A' }],
      thread_id: 'thr-resumed',
      multitask: 'reject',
    });
    expect(viaChat.status).toBe(409);
    expect(await jsonOf(viaChat)).toMatchObject({ code: 'thread_busy' });
    expect(await settledRunStatuses(b.client, onA, 'thr-resumed', 30_000)).toEqual(['completed']);
    expect(a.provider.requests).toHaveLength(1);
    expect(b.provider.requests).toHaveLength(1);
  }, 60_000);

  it('never lets one key run more than maxRunsPerApiKey runs at once across the two instances', async () => {
    const { a, b } = await startReadmeDeployment(cleanup, servers, {
      turns: [
        [waitingTurn(1), waitingTurn(2)],
        [waitingTurn(3), waitingTurn(4)],
      ],
      server: { maxRunsPerApiKey: 2 },
    });
    const statuses: number[] = [];
    for (const [index, gateway] of [a, b, a, b].entries()) {
      const token = await readmeSessionOf(gateway.client, `user-${index}`);
      const response = await gateway.client.post(
        '/runs',
        { message: 'delete /tmp/t', thread_id: `thr-cap-${index}` },
        { token },
      );
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses.filter((status) => status === 202)).toHaveLength(2);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
  });

  it('keeps a run handed over at a shutdown holding its thread on the instance that took it: a chat there is refused 409', async () => {
    const { a, b } = await startReadmeDeployment(cleanup, servers, {
      turns: [[slowAnswer()], [slowAnswer(), textTurn('B wrote into the busy thread.')]],
      server: { runLeaseMs: SHORT_LEASE_MS, shutdown: { timeoutMs: 1_000 } },
    });
    const onA = await readmeSessionOf(a.client, 'alice');
    const stream = createSseReader(
      await a.client.chat(onA, {
        messages: [{ role: 'user', content: 'write a long answer' }],
        thread_id: 'thr-handed-over',
      }),
    );
    await stream.nextOfType('text_delta');
    await a.client.close();
    expect((await stream.rest()).at(-1)?.event).toMatchObject({
      type: 'stream_resume',
      reason: 'handed_over',
    });
    await waitFor(() => (b.provider.requests.length === 1 ? true : undefined), {
      description: 'B went on with the handed-over run',
    });
    // Longer than the lease A held the thread's lock under: only B's renewal keeps it now.
    await new Promise((resolve) => setTimeout(resolve, SHORT_LEASE_MS * 2));

    const onB = await readmeSessionOf(b.client, 'alice');
    const viaChat = await b.client.chat(onB, {
      messages: [{ role: 'user', content: 'from B' }],
      thread_id: 'thr-handed-over',
      multitask: 'reject',
    });
    expect(viaChat.status).toBe(409);
    expect(await jsonOf(viaChat)).toMatchObject({ code: 'thread_busy' });
    expect(await settledRunStatuses(b.client, onB, 'thr-handed-over', 30_000)).toEqual(['completed']);
    expect(b.provider.requests).toHaveLength(1);
  }, 60_000);
});
