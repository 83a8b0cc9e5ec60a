import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/core/logger.js';
import type { ToolDefinition } from '../src/core/tool.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { sendAs } from './helpers/send-as.js';
import { createSseReader, eventsOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { toolsFrom } from './helpers/tools-from.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('per-owner caps', () => {
  it('answers 429 thread_limit_reached past maxThreadsPerOwner, on the route and on a chat, until one is deleted', async () => {
    const { gateway, upstream } = await startMockAgent(cleanup, {
      turns: [textTurn('First.'), textTurn('Second.')],
      agent: {
        server: {
          validApiKeys: ['key-a', 'key-b'],
          database: createMemoryThreadStore(),
          maxThreadsPerOwner: 2,
        },
      },
    });
    const owner = await gateway.openSession('key-a');
    const other = await gateway.openSession('key-b');
    const created = await sendAs(gateway, 'POST', '/threads', owner.token, {});
    expect(created.status).toBe(201);
    const chat = await gateway.chat(owner.token, {
      messages: [{ role: 'user', content: 'hi' }],
      thread_id: 'chat-2',
    });
    expect(eventsOf(await createSseReader(chat).rest()).at(-1)).toMatchObject({ type: 'stream_complete' });

    const refused = await sendAs(gateway, 'POST', '/threads', owner.token, {});
    expect(refused.status).toBe(429);
    expect(await jsonOf(refused)).toMatchObject({
      code: 'thread_limit_reached',
      detail: expect.stringContaining('maxThreadsPerOwner') as unknown,
    });
    const refusedChat = await gateway.chat(owner.token, {
      messages: [{ role: 'user', content: 'one more' }],
      thread_id: 'chat-3',
    });
    expect(refusedChat.status).toBe(429);
    expect(await jsonOf(refusedChat)).toMatchObject({ code: 'thread_limit_reached' });
    expect(upstream.requests).toHaveLength(1);
    // The existing threads still take messages, and another owner still creates threads.
    const more = await gateway.chat(owner.token, {
      messages: [{ role: 'user', content: 'again' }],
      thread_id: 'chat-2',
    });
    expect(eventsOf(await createSseReader(more).rest()).at(-1)).toMatchObject({ type: 'stream_complete' });
    expect((await sendAs(gateway, 'POST', '/threads', other.token, {})).status).toBe(201);
    // Deleting one frees its place.
    expect((await sendAs(gateway, 'DELETE', '/threads/chat-2', owner.token)).status).toBe(200);
    expect((await sendAs(gateway, 'POST', '/threads', owner.token, {})).status).toBe(201);
  });

  it('keeps a run in memory instead of suspending it past maxSuspendedRunsPerOwner, and it still answers', async () => {
    const warnings: string[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message) => void warnings.push(message),
      error: () => undefined,
    };
    const deleteFile: ToolDefinition = {
      name: 'delete_file',
      description: 'Deletes a file',
      input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    };
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [
          toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'call_a' }),
          toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'call_b' }),
          textTurn('Deleted /tmp/b.'),
        ],
      }),
      (server) => server.close(),
    );
    const app = createAgent({
      systemPrompt: 'You are a test agent.',
      provider: 'anthropic',
      apiKey: 'test-key',
      providerConfig: { baseURL: upstream.url },
      logger,
      needsApproval: (toolName) => toolName === 'delete_file',
      tools: toolsFrom({ delete_file: (input) => ({ deleted: input['path'] }) }, [deleteFile]),
      server: {
        database: createMemoryThreadStore(),
        suspendAfterMs: 50,
        maxSuspendedRunsPerOwner: 1,
      },
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const session = await gateway.openSession();

    const first = createSseReader(
      await gateway.chat(session.token, {
        messages: [{ role: 'user', content: 'delete a' }],
        thread_id: 't-a',
      }),
    );
    await first.nextOfType('tool_approval_request');
    expect(await first.nextOfType('error')).toMatchObject({ code: 'run_suspended' });

    const second = createSseReader(
      await gateway.chat(session.token, {
        messages: [{ role: 'user', content: 'delete b' }],
        thread_id: 't-b',
      }),
    );
    const request = await second.nextOfType('tool_approval_request');
    // The suspension was refused (the owner has one suspended run already): it waits in memory.
    await waitFor(() => warnings.find((message) => message.includes('maxSuspendedRunsPerOwner')));
    const approved = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true },
      { token: session.token },
    );
    expect(approved.status).toBe(200);
    const rest = eventsOf(await second.rest());
    expect(rest.some((event) => event.type === 'error')).toBe(false);
    expect(rest.at(-1)).toMatchObject({ type: 'stream_complete' });
  });
});
