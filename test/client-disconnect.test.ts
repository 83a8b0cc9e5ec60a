import { toolsFrom } from './helpers/tools-from.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../src/core/tool.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { chatWhenFree } from './helpers/chat-when-free.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { trackSourceTimers, waitForSourceTimersCleared } from './helpers/track-source-timers.js';
import { countActiveTimers, waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('a client that disconnects with disconnectGraceMs: 0 (the original behaviour)', () => {
  it('cancels the upstream request, frees the session and leaves no timer behind', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [
        // Streams the first words, then stalls with the connection open, like a slow model.
        textTurn('one two three four five six', { stallAfterEvents: 4 }),
        textTurn('Back again.'),
      ],
      agent: {
        server: {
          heartbeatIntervalMs: 50,
          disconnectGraceMs: 0,
        },
      },
    });
    const session = await gateway.openSession();
    const timersBefore = countActiveTimers();
    const sourceTimers = cleanup.add(trackSourceTimers(), (tracker) => tracker.stop());

    const connection = new AbortController();
    const response = await gateway.chat(session.token, 'count slowly', { signal: connection.signal });
    const reader = createSseReader(response);
    expect((await reader.nextOfType('text_delta')).text).toBe('one ');
    // Let a heartbeat or two tick while the stream is open.
    await reader.until((frame) => frame.event.type === 'heartbeat');
    connection.abort();
    await reader.cancel();

    const aborted = await upstream.waitForClientAbort(AbortSignal.timeout(5_000));
    expect(aborted.clientAborted).toBe(true);

    const again = await chatWhenFree(gateway, session.token, 'are you there?');
    expect(again.status).toBe(200);
    expect(textOf(await readAllSseFrames(again))).toBe('Back again.');
    upstream.assertAllConsumed();

    await waitFor(() => (countActiveTimers() <= timersBefore ? true : undefined), {
      description: () => `the ref'ed timers to settle back to ${timersBefore} (now ${countActiveTimers()})`,
    });
    await waitForSourceTimersCleared(sourceTimers);
  });

  it('withdraws a pending approval when the client goes away', async () => {
    const deleteDefinition: ToolDefinition = {
      name: 'delete_file',
      description: 'Deletes a file',
      input_schema: { type: 'object', properties: { path: { type: 'string' } } },
    };
    let ran = false;
    const { gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('delete_file', { path: '/tmp/z' }, { id: 'toolu_abandoned' }),
        textTurn('Next chat.'),
      ],
      agent: {
        needsApproval: () => true,
        tools: [...toolsFrom({ delete_file: () => ((ran = true), { ok: true }) }, [deleteDefinition])],
        server: {
          disconnectGraceMs: 0,
        },
      },
    });
    const session = await gateway.openSession();
    const connection = new AbortController();
    const reader = createSseReader(
      await gateway.chat(session.token, 'delete', { signal: connection.signal }),
    );
    const request = await reader.nextOfType('tool_approval_request');
    connection.abort();
    await reader.cancel();

    // Once the lock is free the cancelled run has been torn down, pending approvals included.
    const again = await chatWhenFree(gateway, session.token, 'next');
    expect(textOf(await readAllSseFrames(again))).toBe('Next chat.');
    const late = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true },
      { token: session.token },
    );
    expect(late.status).toBe(404);
    expect(await jsonOf(late)).toEqual({ error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' });
    expect(ran).toBe(false);
  });

  it('aborts the signal of a running tool', async () => {
    let toolSignal: AbortSignal | undefined;
    const { gateway } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('wait_forever', {}, { id: 'toolu_forever' }), textTurn('Fresh start.')],
      agent: {
        tools: [
          ...toolsFrom(
            {
              wait_forever: (_input, context) =>
                new Promise((resolve) => {
                  toolSignal = context.signal;
                  context.signal.addEventListener('abort', () => resolve({ stopped: true }), { once: true });
                }),
            },
            [
              {
                name: 'wait_forever',
                description: 'Never finishes',
                input_schema: { type: 'object', properties: {} },
              },
            ],
          ),
        ],
        server: {
          disconnectGraceMs: 0,
        },
      },
    });
    const session = await gateway.openSession();
    const connection = new AbortController();
    const reader = createSseReader(await gateway.chat(session.token, 'wait', { signal: connection.signal }));
    await reader.nextOfType('tool_call_start');
    connection.abort();
    await reader.cancel();

    await waitFor(() => (toolSignal?.aborted === true ? true : undefined), {
      description: "the running tool's signal to abort",
    });
    const again = await chatWhenFree(gateway, session.token, 'again');
    expect(textOf(await readAllSseFrames(again))).toBe('Fresh start.');
  });
});
