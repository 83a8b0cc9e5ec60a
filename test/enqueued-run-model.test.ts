import { afterAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createGatedTool, type GatedTool } from './helpers/gated-tool.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader } from './helpers/sse-reader.js';
import { startMockAgent, type MockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * `POST /runs` with `multitask: 'enqueue'` while the session's run works: a model outside the
 * allow-list is refused with the 400 of `POST /chat` when the run is accepted, not recorded as
 * a failed run once its turn comes. Real HTTP, without a database (the queue in memory); the
 * database's queue is covered by test/double-texting.test.ts.
 */

const cleanup = createCleanupStack();
afterAll(() => cleanup.run());

const REFUSED = /^Invalid model: claude-opus-4-6 \(allowed: claude-sonnet-4-6; server\.allowedModels/;

async function busyGateway(): Promise<{ agent: MockAgent; gate: GatedTool; token: string }> {
  const gate = createGatedTool();
  const agent = await startMockAgent(cleanup, { agent: { tools: [gate.tool] } });
  agent.upstream.enqueue(
    'anthropic',
    toolCallTurn('wait_here', {}, { id: 'call_busy' }),
    textTurn('Busy done.'),
    textTurn('Queued done.'),
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

describe('a run enqueued on POST /runs without a database', () => {
  it('refuses a model outside the allow-list at once, and queues nothing', async () => {
    const { agent, gate, token } = await busyGateway();
    const refused = await agent.gateway.post(
      '/runs',
      { message: 'later', multitask: 'enqueue', model: 'claude-opus-4-6' },
      { token },
    );
    expect(refused.status).toBe(400);
    expect(await jsonOf(refused)).toEqual({ detail: expect.stringMatching(REFUSED) as string });

    // The configured model is accepted and runs once the session is free.
    const accepted = await agent.gateway.post(
      '/runs',
      { message: 'later', multitask: 'enqueue', model: 'claude-sonnet-4-6' },
      { token },
    );
    expect(accepted.status).toBe(202);
    expect(await jsonOf(accepted)).toMatchObject({ status: 'queued' });
    gate.open();
    await waitFor(() => (agent.upstream.requests.length === 3 ? true : undefined), {
      description: 'the queued run asked the model',
    });
    // Only the busy run's two turns and the accepted run's one reached the model.
    expect(agent.upstream.requests).toHaveLength(3);
  });
});
