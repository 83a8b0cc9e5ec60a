import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import type { ScriptedTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import type { CreateAgentOptions } from '../src/server/contracts/create-agent-options.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { createSseReader, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** An agent whose `delete_file` tool needs approval. */
const startApprovalAgent = (turns: ScriptedTurn[], server: NonNullable<CreateAgentOptions['server']>) =>
  startMockAgent(cleanup, {
    turns,
    agent: {
      needsApproval: (toolName) => toolName === 'delete_file',
      tools: [
        tool({
          name: 'delete_file',
          description: 'Deletes a file',
          inputSchema: z.object({ path: z.string() }),
          execute: ({ path }) => ({ deleted: path }),
        }),
      ],
      server,
    },
  });

/** One `useChat` turn over `/ui/chat`: its response ends at an approval, the run goes on waiting. */
const askOneApproval = async (gateway: GatewayClient, token: string, chatId: string): Promise<string> => {
  const response = await gateway.post(
    '/ui/chat',
    {
      id: chatId,
      trigger: 'submit-message',
      messages: [{ id: `${chatId}_m1`, role: 'user', parts: [{ type: 'text', text: 'Delete a file' }] }],
    },
    { token },
  );
  expect(response.status).toBe(200);
  return response.text();
};

describe('caps per API key on runs and pending answers', () => {
  it("keeps one key's pending approvals from taking other keys' runs, and refuses its next run past maxPendingAnswersPerApiKey", async () => {
    const { gateway } = await startApprovalAgent(
      [
        toolCallTurn('delete_file', { path: '/tmp/1' }, { id: 'toolu_park_1' }),
        toolCallTurn('delete_file', { path: '/tmp/2' }, { id: 'toolu_park_2' }),
        toolCallTurn('delete_file', { path: '/tmp/3' }, { id: 'toolu_park_3' }),
        textTurn('Hello, other key.'),
        textTurn('Room again after a run waiting for answers ended.'),
      ],
      { maxConcurrentRuns: 3, maxPendingAnswersPerApiKey: 3 },
    );
    const waiting = [];
    for (const index of [1, 2, 3]) {
      const session = await gateway.openSession('key-a');
      expect(await askOneApproval(gateway, session.token, `chat_${index}`)).toContain('approval-request');
      waiting.push(session);
    }

    // Runs waiting for answers wait for a person, not for the gateway: another key still gets a chat.
    const other = await gateway.openSession('key-b');
    const answered = await gateway.chat(other.token, 'hello');
    expect(answered.status).toBe(200);
    expect(textOf(await readAllSseFrames(answered))).toBe('Hello, other key.');

    // The parking key's next run is refused, naming the limit.
    const fourth = await gateway.openSession('key-a');
    const refused = await gateway.chat(fourth.token, 'one more');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await jsonOf(refused)).toEqual({
      detail:
        'Too many tool calls of this API key are waiting for an answer (maxPendingAnswersPerApiKey 3); ' +
        'answer or cancel one first',
    });

    // A run waiting for answers that ends gives its call back.
    const cancelled = await gateway.post('/chat/cancel', {}, { token: waiting[0]?.token ?? '' });
    expect(cancelled.status).toBe(200);
    const after = await waitFor(
      async () => {
        const response = await gateway.chat(fourth.token, 'one more');
        if (response.status !== 429) return response;
        await response.body?.cancel();
        return undefined;
      },
      { description: 'the cancelled run to give back its pending answer' },
    );
    expect(textOf(await readAllSseFrames(after))).toBe('Room again after a run waiting for answers ended.');
  });

  it('refuses a key its run past maxRunsPerApiKey while another key still runs, and frees the slot when a run ends', async () => {
    const { gateway } = await startApprovalAgent(
      [
        // Both runs of key a stall after their first words until they are cancelled: they are
        // certainly in progress when the third one asks, however slow the machine.
        textTurn('first run of key a', { stallAfterEvents: 4 }),
        textTurn('second run of key a', { stallAfterEvents: 4 }),
        textTurn('a run of key b'),
        textTurn('third run of key a, after one ended'),
      ],
      { maxRunsPerApiKey: 2 },
    );
    const sessions = [
      await gateway.openSession('key-a'),
      await gateway.openSession('key-a'),
      await gateway.openSession('key-a'),
    ];
    const first = createSseReader(await gateway.chat(sessions[0]?.token ?? '', 'one'));
    await first.nextOfType('text_delta');
    const second = createSseReader(await gateway.chat(sessions[1]?.token ?? '', 'two'));
    await second.nextOfType('text_delta');

    const refused = await gateway.chat(sessions[2]?.token ?? '', 'three');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await jsonOf(refused)).toEqual({
      detail: 'Too many runs of this API key in progress (maxRunsPerApiKey 2); retry when one has ended',
    });
    const other = await gateway.openSession('key-b');
    expect(textOf(await readAllSseFrames(await gateway.chat(other.token, 'b')))).toBe('a run of key b');

    expect((await gateway.post('/chat/cancel', {}, { token: sessions[0]?.token ?? '' })).status).toBe(200);
    await first.rest();
    const after = await waitFor(
      async () => {
        const response = await gateway.chat(sessions[2]?.token ?? '', 'three');
        if (response.status !== 429) return response;
        await response.body?.cancel();
        return undefined;
      },
      { description: 'an ended run to free its slot' },
    );
    expect(textOf(await readAllSseFrames(after))).toBe('third run of key a, after one ended');
    expect((await gateway.post('/chat/cancel', {}, { token: sessions[1]?.token ?? '' })).status).toBe(200);
    await second.rest();
  });
});
