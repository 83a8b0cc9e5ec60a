import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { createSseReader, eventsOf } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';

const unavailable = postgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const CHATS = 24;

describe.skipIf(unavailable !== undefined)('threads on a PostgreSQL that restarts under load', () => {
  let postgres: PostgresServer;
  beforeAll(async () => {
    postgres = await startPostgresServer();
  });
  afterAll(async () => {
    await postgres?.destroy();
  });

  it('loses no acknowledged chat: each one that streamed is stored once, the others were refused with 503', async () => {
    const url = await postgres.createDatabase();
    // Each answer streams for about half a second, so chats are in flight when the server stops.
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: Array.from({ length: CHATS }, () => textTurn('The answer.', { eventDelayMs: 80 })),
      }),
      (server) => server.close(),
    );
    const app = createAgent({
      systemPrompt: 'You answer.',
      provider: 'anthropic',
      apiKey: 'test-key',
      providerConfig: { baseURL: upstream.url },
      server: { database: { postgres: url }, rateLimit: { requests: 1_000, windowMs: 60_000 } },
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const sessions = await Promise.all(Array.from({ length: CHATS }, () => gateway.openSession()));

    const chat = async (index: number): Promise<{ index: number; status: number; body?: unknown }> => {
      const response = await gateway.chat(sessions[index]?.token ?? '', {
        messages: [{ role: 'user', content: `question ${index}` }],
        thread_id: `thr_restart_${index}`,
      });
      if (response.status !== 200) return { index, status: response.status, body: await jsonOf(response) };
      const events = eventsOf(await createSseReader(response).rest());
      expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
      return { index, status: 200 };
    };
    const chats: Promise<{ index: number; status: number; body?: unknown }>[] = [];
    for (let index = 0; index < CHATS; index += 1) {
      chats.push(chat(index));
      if (index === CHATS / 3) await postgres.stop();
      if (index === (2 * CHATS) / 3) await postgres.start();
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    const results = await Promise.all(chats);
    const accepted = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status !== 200);
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const result of refused) {
      expect(result).toMatchObject({ status: 503, body: { code: 'store_unavailable' } });
    }
    for (const { index } of accepted) {
      const token = sessions[index]?.token ?? '';
      const messages = await waitFor(
        async () => {
          const response = await gateway.get(`/threads/thr_restart_${index}`, { token });
          if (response.status !== 200) return undefined;
          const thread = await jsonOf(response);
          const stored = JSON.stringify(thread['messages']);
          return stored.includes('The answer.') ? (thread['messages'] as unknown[]) : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100, description: `the messages of chat ${index}` },
      );
      const texts = JSON.stringify(messages);
      expect(texts.split(`question ${index}`).length - 1).toBe(1);
      expect(texts.split('The answer.').length - 1).toBe(1);
    }
  });
});
