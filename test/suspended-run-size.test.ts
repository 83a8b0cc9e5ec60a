import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateAgentOptions } from '../src/server/contracts/create-agent-options.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { deleteFileAgent } from './helpers/delete-file-agent.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { createSseReader } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * What a suspended run costs the database: the row of `suspended_runs` holds each message of the
 * run once (a 200 KB message is stored once, not in the request and again in the checkpoint),
 * and none of the history its thread already holds. Measured on the row PostgreSQL stored.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const postgres = useSharedPostgresServer();

type Database = NonNullable<CreateAgentOptions['server']>['database'];

/** A message of about 200 KB that names itself, so that its copies can be counted. */
const BIG_MARKER = 'BIG-MESSAGE-4417';
const bigMessage = `${BIG_MARKER} ${'x'.repeat(200_000)}`;
const EARLIER_MARKER = 'EARLIER-QUESTION-9026';
const earlierMessage = `${EARLIER_MARKER} ${'y'.repeat(50_000)}`;

/** Runs a chat to its suspension on `threadId` with `message`, through a gateway on `database`. */
async function suspendWith(database: Database, threadId: string | undefined, earlier: boolean) {
  const upstream = cleanup.add(
    await createMockUpstream({
      anthropic: [
        ...(earlier ? [textTurn('EARLIER-ANSWER-3390')] : []),
        toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_big' }),
        textTurn('Deleted /tmp/a.'),
      ],
    }),
    (server) => server.close(),
  );
  const gateway = cleanup.add(
    await startGatewayClient(createAgent(deleteFileAgent(upstream.url, database, []))),
    (client) => client.close(),
  );
  const session = await gateway.openSession();
  if (earlier) {
    const first = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: earlierMessage }],
      thread_id: threadId,
    });
    await createSseReader(first).rest();
  }
  const response = await gateway.chat(session.token, {
    messages: [{ role: 'user', content: bigMessage }],
    ...(threadId === undefined ? {} : { thread_id: threadId }),
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  const request = await reader.nextOfType('tool_approval_request');
  const end = await reader.nextOfType('error');
  expect(end).toMatchObject({ code: 'run_suspended' });
  return { gateway, session, request, upstream, runId: String(reader.frames.at(-1)?.runId) };
}

/** The stored snapshot of the run, as PostgreSQL holds it. */
async function storedSnapshot(url: string, runId: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query<{ snapshot: string }>(
      'SELECT snapshot::text AS snapshot FROM suspended_runs WHERE run_id = $1',
      [runId],
    );
    return found.rows[0]?.snapshot ?? '';
  } finally {
    await client.end();
  }
}

const copiesOf = (text: string, marker: string): number => text.split(marker).length - 1;

describe.skipIf(postgres.unavailable !== undefined)('the size of a suspended run on PostgreSQL', () => {
  it('stores a 200 KB first message of a new thread once, and resumes with it', async () => {
    const url = await postgres.createDatabase();
    const suspended = await suspendWith({ postgres: url }, 'thr_big_first', false);
    const snapshot = await storedSnapshot(url, suspended.runId);
    expect(copiesOf(snapshot, BIG_MARKER)).toBe(1);
    // The message and little else: far below two copies of it.
    expect(snapshot.length).toBeLessThan(bigMessage.length + 20_000);

    const { gateway, session, request } = suspended;
    const answer = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved: true },
      { token: session.token },
    );
    expect(answer.status).toBe(200);
    await waitFor(async () => {
      const run = await jsonOf(await gateway.get(`/runs/${suspended.runId}`, { token: session.token }));
      return run['status'] === 'completed' ? true : undefined;
    });
    const thread = await jsonOf(await gateway.get('/threads/thr_big_first', { token: session.token }));
    const texts = JSON.stringify(thread['messages']);
    expect(copiesOf(texts, BIG_MARKER)).toBe(1);
    expect(texts).toContain('Deleted /tmp/a.');
  });

  it('stores a 200 KB message once and none of the thread history before it', async () => {
    const url = await postgres.createDatabase();
    const suspended = await suspendWith({ postgres: url }, 'thr_big_later', true);
    const snapshot = await storedSnapshot(url, suspended.runId);
    expect(copiesOf(snapshot, BIG_MARKER)).toBe(1);
    expect(copiesOf(snapshot, EARLIER_MARKER)).toBe(0);
    expect(snapshot).not.toContain('EARLIER-ANSWER-3390');
    expect(snapshot.length).toBeLessThan(bigMessage.length + 20_000);
  });

  it('stores a 200 KB message of a chat without a thread once, and resumes with it whole', async () => {
    const url = await postgres.createDatabase();
    const suspended = await suspendWith({ postgres: url }, undefined, false);
    const snapshot = await storedSnapshot(url, suspended.runId);
    expect(copiesOf(snapshot, BIG_MARKER)).toBe(1);
    expect(snapshot.length).toBeLessThan(bigMessage.length + 20_000);

    // Resumed, the run reads its message again, whole.
    const { gateway, session, request, upstream } = suspended;
    const answer = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved: true },
      { token: session.token },
    );
    expect(answer.status).toBe(200);
    await waitFor(async () => {
      const run = await jsonOf(await gateway.get(`/runs/${suspended.runId}`, { token: session.token }));
      return run['status'] === 'completed' ? true : undefined;
    });
    const resumed = JSON.stringify(upstream.requests.at(-1)?.body);
    expect(copiesOf(resumed, BIG_MARKER)).toBe(1);
    expect(resumed).toContain(bigMessage);
  });

  it('stores a 200 KB message once on the memory store too', async () => {
    const memory = createMemoryThreadStore();
    const snapshots: string[] = [];
    const suspendedRuns = memory.suspendedRuns;
    if (suspendedRuns === undefined) throw new Error('the memory store suspends runs');
    const suspended = await suspendWith(
      {
        ...memory,
        suspendedRuns: {
          ...suspendedRuns,
          suspend: (run, limits, hold) => {
            snapshots.push(JSON.stringify(run.snapshot));
            return suspendedRuns.suspend(run, limits, hold);
          },
        },
      },
      'thr_big_memory',
      false,
    );
    expect(suspended.runId).not.toBe('');
    expect(copiesOf(snapshots[0] ?? '', BIG_MARKER)).toBe(1);
  });
});
