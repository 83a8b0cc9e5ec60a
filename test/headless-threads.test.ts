import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { runAutonomous } from '../src/headless/run-autonomous.js';
import type { HeadlessSpec } from '../src/headless/run-autonomous-options.js';
import { hashApiKey } from '../src/stores/hash-api-key.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { createScriptedProvider, type ScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const KEY = 'app-key';
/** The end user the app's backend opens its sessions for. */
const CUSTOMER = 'customer-7';

const get = (gateway: GatewayClient, path: string, token: string) =>
  fetch(`${gateway.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

const headlessRun = (provider: ScriptedProvider, headless: HeadlessSpec) =>
  runAutonomous({
    systemPrompt: 'You are the nightly job.',
    provider,
    model: 'scripted-model',
    logger: silentLogger,
    headless,
  });

describe('headless runs and the threads of the HTTP gateway', () => {
  it("keeps the headless principal and an API key's user apart: neither reads the other's thread", async () => {
    const database = createMemoryThreadStore();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('Your refund is approved.')],
      agent: { server: { validApiKeys: [KEY], serverSideApiKeys: [KEY], database } },
    });
    // The app's backend opens the session for its customer: their threads are the customer's.
    const opened = await gateway.post('/chat/init', { api_key: KEY, user: CUSTOMER });
    const token = String((await jsonOf(opened))['session_token']);
    const chat = await gateway.chat(token, {
      thread_id: 'support-42',
      messages: [{ role: 'user', content: 'My card number is 4242; refund please.' }],
    });
    await chat.text();
    await waitFor(async () => {
      const thread = await jsonOf(await get(gateway, '/threads/support-42', token));
      return Array.isArray(thread['messages']) && thread['messages'].length === 2 ? true : undefined;
    });

    // A headless run naming the customer's thread gets nothing of it and does not run.
    const intruder = createScriptedProvider();
    await expect(
      headlessRun(intruder, { initialMessage: 'Summarise.', thread: 'support-42', database }),
    ).rejects.toMatchObject({ code: 'invalid_option', message: expect.stringContaining('taken') as unknown });
    expect(intruder.requests).toHaveLength(0);

    // The headless principal's own thread is not the customer's either.
    await headlessRun(createScriptedProvider({ turns: [textTurn('Nightly report stored.')] }), {
      initialMessage: 'Nightly report.',
      thread: 'nightly',
      database,
    });
    expect((await get(gateway, '/threads/nightly', token)).status).toBe(404);
    const listed = await jsonOf(await get(gateway, '/threads', token));
    expect((listed['threads'] as Array<{ thread_id: string }>).map((thread) => thread.thread_id)).toEqual([
      'support-42',
    ]);

    // Named as its owner on purpose, a headless run continues the customer's thread.
    const followUp = createScriptedProvider({ turns: [textTurn('Reminder sent.')] });
    await headlessRun(followUp, {
      initialMessage: 'Remind the customer.',
      thread: 'support-42',
      database,
      owner: { apiKeyHash: hashApiKey(KEY), user: CUSTOMER },
    });
    expect(followUp.requests[0]?.messages[0]).toEqual({
      role: 'user',
      content: 'My card number is 4242; refund please.',
    });
    const thread = await jsonOf(await get(gateway, '/threads/support-42', token));
    expect(thread['messages']).toHaveLength(4);
  });
});
