import { afterEach, describe, expect, it } from 'vitest';
import type { QueuedRunsSettings } from '../src/server/contracts/queued-runs-option.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createGatedTool, type GatedTool } from './helpers/gated-tool.js';
import { jsonOf } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { createSseReader } from './helpers/sse-reader.js';
import { startMockAgent, type MockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * `multitask: 'enqueue'` on `POST /runs` is bounded (`server.queuedRuns`): runs waiting per
 * session and per owner, and their request bytes per owner. Past a bound the answer is 429
 * `queue_full` naming it, and the runs already queued still run. In memory (no database) and in
 * the database's queue alike.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

type Mode = 'memory' | 'database';

async function busyGateway(
  mode: Mode,
  queuedRuns: Partial<QueuedRunsSettings>,
  queuedTurns: number,
): Promise<{ agent: MockAgent; gate: GatedTool; token: string }> {
  const gate = createGatedTool();
  const agent = await startMockAgent(cleanup, {
    agent: {
      tools: [gate.tool],
      server: {
        queuedRuns,
        ...(mode === 'database' ? { database: { postgres: await createDatabase() } } : {}),
      },
    },
  });
  agent.upstream.enqueue(
    'anthropic',
    toolCallTurn('wait_here', {}, { id: 'call_busy' }),
    textTurn('Busy done.'),
    ...Array.from({ length: queuedTurns }, (_, index) => textTurn(`Queued ${index} done.`)),
  );
  const { token } = await agent.gateway.openSession();
  const busy = await agent.gateway.chat(token, 'work for a while');
  expect(busy.status).toBe(200);
  const reader = createSseReader(busy);
  await waitFor(() => (gate.calls > 0 ? true : undefined), { description: 'the session is busy' });
  cleanup.add(reader, async (busyReader) => {
    gate.open();
    await busyReader.until((frame) => frame.event.type === 'stream_complete');
  });
  return { agent, gate, token };
}

const enqueue = (agent: MockAgent, token: string, message: string) =>
  agent.gateway.post('/runs', { message, multitask: 'enqueue' }, { token });

const modes: Mode[] = unavailable === undefined ? ['memory', 'database'] : ['memory'];

describe.each(modes)('queued runs are bounded (%s)', (mode) => {
  it('answers 429 queue_full past maxPerSession, and still runs the runs it queued', async () => {
    const { agent, gate, token } = await busyGateway(mode, { maxPerSession: 2 }, 2);
    for (const message of ['one', 'two']) {
      const accepted = await enqueue(agent, token, message);
      expect(accepted.status).toBe(202);
      expect(await jsonOf(accepted)).toMatchObject({ status: 'queued' });
    }
    const refused = await enqueue(agent, token, 'three');
    expect(refused.status).toBe(429);
    const body = await jsonOf(refused);
    expect(body['code']).toBe('queue_full');
    expect(String(body['detail'])).toContain('server.queuedRuns.maxPerSession 2');
    expect(refused.headers.get('retry-after')).toBe('5');
    gate.open();
    await waitFor(() => (agent.upstream.requests.length === 4 ? true : undefined), {
      description: 'both queued runs asked the model',
    });
    const asked = agent.upstream.requests.map((request) => JSON.stringify(request.body));
    expect(asked.some((text) => text.includes('"three"'))).toBe(false);
  });

  it('counts the bytes of the queued requests against maxBytesPerOwner, and the runs against maxPerOwner', async () => {
    const { agent, gate, token } = await busyGateway(
      mode,
      { maxPerSession: 10, maxPerOwner: 2, maxBytesPerOwner: 30_000 },
      2,
    );
    expect((await enqueue(agent, token, 'x'.repeat(20_000))).status).toBe(202);
    const tooBig = await enqueue(agent, token, 'y'.repeat(20_000));
    expect(tooBig.status).toBe(429);
    expect(String((await jsonOf(tooBig))['detail'])).toContain('server.queuedRuns.maxBytesPerOwner 30000');
    expect((await enqueue(agent, token, 'small')).status).toBe(202);
    const tooMany = await enqueue(agent, token, 'another');
    expect(tooMany.status).toBe(429);
    const body = await jsonOf(tooMany);
    expect(body['code']).toBe('queue_full');
    expect(String(body['detail'])).toContain('server.queuedRuns.maxPerOwner 2');
    gate.open();
    await waitFor(() => (agent.upstream.requests.length === 4 ? true : undefined), {
      description: 'both queued runs asked the model',
    });
  });
});

/*
 * Issue 75, item 10: a session that asserts no user owns its things itself, but opening one costs
 * nothing; the per-owner bounds count a key's anonymous sessions together.
 */
describe.each(modes)('queued runs of anonymous sessions (%s)', (mode) => {
  it("counts the runs queued by all of a key's anonymous sessions against one maxPerOwner", async () => {
    const sessions = 4;
    const gate = createGatedTool();
    const agent = await startMockAgent(cleanup, {
      agent: {
        tools: [gate.tool],
        server: {
          queuedRuns: { maxPerSession: 10, maxPerOwner: 3 },
          ...(mode === 'database' ? { database: { postgres: await createDatabase() } } : {}),
        },
      },
    });
    agent.upstream.enqueue(
      'anthropic',
      ...Array.from({ length: sessions }, (_, index) =>
        toolCallTurn('wait_here', {}, { id: `call_${index}` }),
      ),
      ...Array.from({ length: 2 * sessions }, (_, index) => textTurn(`Done ${index}.`)),
    );
    const tokens: string[] = [];
    for (let index = 0; index < sessions; index += 1) {
      const { token } = await agent.gateway.openSession();
      const busy = createSseReader(await agent.gateway.chat(token, 'work for a while'));
      cleanup.add(busy, async (reader) => {
        gate.open();
        await reader.until((frame) => frame.event.type === 'stream_complete');
      });
      await waitFor(() => (gate.calls > index ? true : undefined), { description: 'the session is busy' });
      tokens.push(token);
    }
    const statuses: number[] = [];
    for (const token of tokens) statuses.push((await enqueue(agent, token, 'queued')).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
  });
});
