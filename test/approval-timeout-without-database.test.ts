import { afterEach, describe, expect, it, vi } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { deleteFile } from './helpers/delete-file-agent.js';
import { createSseReader } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { toolsFrom } from './helpers/tools-from.js';

/*
 * Issue 78: without a database nothing outlives the process, so an approval keeps the tool
 * dispatcher's 120 s default instead of the 7 days it waits with one. The clock is Vitest's fake
 * one (it also advances with real time, so the HTTP exchange runs as usual).
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('an approval without a database', () => {
  it('expires after the 120 s default', async () => {
    const deleted: string[] = [];
    const { gateway } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('delete_file', { path: '/tmp/x' }, { id: 'toolu_short' }), textTurn('No answer.')],
      agent: {
        needsApproval: (toolName) => toolName === 'delete_file',
        tools: toolsFrom(
          {
            delete_file: (input) => {
              deleted.push(String(input['path']));
              return { deleted: input['path'] };
            },
          },
          [deleteFile],
        ),
      },
    });
    const session = await gateway.openSession();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldAdvanceTime: true });
    cleanup.add(vi, (each) => each.useRealTimers());
    const askedAtMs = Date.now();
    const reader = createSseReader(await gateway.chat(session.token, 'delete /tmp/x'));
    const request = await reader.nextOfType('tool_approval_request');
    const expiresInMs = request.expires_at * 1000 - askedAtMs;
    expect(expiresInMs).toBeGreaterThan(110_000);
    expect(expiresInMs).toBeLessThanOrEqual(121_000);

    await vi.advanceTimersByTimeAsync(121_000);
    const completed = await reader.nextOfType('tool_call_complete');
    expect(completed.error).toMatchObject({ code: 'approval_timeout' });
    expect(deleted).toEqual([]);
  });
});
