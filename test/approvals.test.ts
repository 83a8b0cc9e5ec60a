import { toolsFrom } from './helpers/tools-from.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../src/core/tool.js';
import type { ScriptedTurn } from '../src/testing/scripted-turn.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createHoldingStores } from './helpers/create-holding-stores.js';
import type { GatewayClient } from './helpers/gateway-client.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader, eventsOf, eventsOfType, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent, type StartMockAgentOptions } from './helpers/start-mock-agent.js';
import { latestToolResultOf } from './helpers/upstream-tool-results.js';
import { trackSourceTimers, waitForSourceTimersCleared } from './helpers/track-source-timers.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const deleteFileDefinition: ToolDefinition = {
  name: 'delete_file',
  description: 'Deletes a file',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

/** Starts an agent whose `delete_file` tool needs approval; records the paths it deleted. */
async function startApprovalAgent(turns: ScriptedTurn[], agent: StartMockAgentOptions['agent'] = {}) {
  const deleted: string[] = [];
  const started = await startMockAgent(cleanup, {
    turns,
    agent: {
      needsApproval: (toolName) => toolName === 'delete_file',
      ...agent,
      tools: [
        ...toolsFrom(
          {
            delete_file: (input) => {
              deleted.push(String(input['path']));
              return { deleted: input['path'] };
            },
          },
          [deleteFileDefinition],
        ),
      ],
    },
  });
  return { ...started, deleted };
}

const answer = (gateway: GatewayClient, token: string, body: Record<string, unknown>) =>
  gateway.post('/chat/tool-approval', body, { token });

describe('tool approvals over HTTP', () => {
  it('asks, runs the tool once approved, and the model reads its result', async () => {
    const { upstream, gateway, deleted } = await startApprovalAgent([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_del_1' }),
      textTurn('Deleted.'),
    ]);
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'delete /tmp/a'));
    const request = await reader.nextOfType('tool_approval_request');

    expect(request).toMatchObject({
      tool_call_id: 'toolu_del_1',
      tool_name: 'delete_file',
      tool_input: { path: '/tmp/a' },
      resolved_qualifier: '',
    });
    expect(request.nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(request.expires_at).toBeGreaterThan(Date.now() / 1000);
    expect(deleted).toEqual([]);

    const response = await answer(gateway, session.token, {
      tool_call_id: request.tool_call_id,
      nonce: request.nonce,
      approved: true,
    });
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toEqual({ status: 'ok' });

    await reader.rest();
    const types = eventsOf(reader.frames).map((event) => event.type);
    expect(types).toEqual([
      'tool_call_start',
      'tool_approval_request',
      'tool_call_complete',
      ...types.slice(3),
    ]);
    expect(eventsOfType(reader.frames, 'tool_call_complete')[0]).toMatchObject({
      result: { deleted: '/tmp/a' },
      error: null,
    });
    expect(types.at(-1)).toBe('stream_complete');
    expect(deleted).toEqual(['/tmp/a']);
    expect(latestToolResultOf(upstream.requests[1])).toMatchObject({
      isError: false,
      value: { deleted: '/tmp/a' },
    });
  });

  it("reports the tool's own time as duration_ms and the time a person took as wait_ms", async () => {
    const { gateway } = await startApprovalAgent([
      toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_del_wait' }),
      textTurn('Deleted.'),
    ]);
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'delete /tmp/b'));
    const request = await reader.nextOfType('tool_approval_request');
    // A person who takes a while: at least 1.5 s pass before the answer.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await answer(gateway, session.token, {
      tool_call_id: request.tool_call_id,
      nonce: request.nonce,
      approved: true,
    });
    await reader.rest();
    const complete = eventsOfType(reader.frames, 'tool_call_complete')[0];
    expect(complete?.wait_ms).toBeGreaterThanOrEqual(1500);
    expect(complete?.duration_ms).toBeLessThan(complete?.wait_ms ?? 0);
  });

  it('reports a denial to the model as user_denied without running the tool', async () => {
    const { upstream, gateway, deleted } = await startApprovalAgent([
      toolCallTurn('delete_file', { path: '/etc/passwd' }, { id: 'toolu_deny' }),
      textTurn('Understood, I will not.'),
    ]);
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'delete it'));
    const request = await reader.nextOfType('tool_approval_request');
    const response = await answer(gateway, session.token, {
      tool_call_id: request.tool_call_id,
      nonce: request.nonce,
      approved: false,
    });
    expect(response.status).toBe(200);

    const rest = await reader.rest();
    expect(eventsOfType(rest, 'tool_call_complete')[0]?.error).toMatchObject({ code: 'user_denied' });
    expect(eventsOf(rest).at(-1)?.type).toBe('stream_complete');
    expect(deleted).toEqual([]);
    expect(latestToolResultOf(upstream.requests[1])).toMatchObject({
      isError: true,
      value: { error: { code: 'user_denied' } },
    });
  });

  it('does not ask again in the same session after allow_tool_type', async () => {
    const { gateway, deleted } = await startApprovalAgent([
      toolCallTurn('delete_file', { path: '/tmp/1' }, { id: 'toolu_always_1' }),
      toolCallTurn('delete_file', { path: '/tmp/2' }, { id: 'toolu_always_2' }),
      textTurn('Both gone.'),
      toolCallTurn('delete_file', { path: '/tmp/3' }, { id: 'toolu_always_3' }),
      textTurn('That one too.'),
    ]);
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'delete two files'));
    const request = await reader.nextOfType('tool_approval_request');
    const response = await answer(gateway, session.token, {
      tool_call_id: request.tool_call_id,
      nonce: request.nonce,
      approved: true,
      allow_tool_type: true,
    });
    expect(response.status).toBe(200);
    await reader.rest();
    expect(eventsOfType(reader.frames, 'tool_approval_request')).toHaveLength(1);
    expect(eventsOfType(reader.frames, 'tool_call_complete').map((event) => event.error)).toEqual([
      null,
      null,
    ]);

    // A later chat of the same session remembers the grant too.
    const second = await readAllSseFrames(await gateway.chat(session.token, 'and a third'));
    expect(eventsOfType(second, 'tool_approval_request')).toEqual([]);
    expect(eventsOfType(second, 'tool_call_complete')[0]?.error).toBeNull();
    expect(deleted).toEqual(['/tmp/1', '/tmp/2', '/tmp/3']);
  });

  it('lets an unanswered request time out into approval_timeout for the model', async () => {
    const { upstream, gateway, deleted } = await startApprovalAgent(
      [toolCallTurn('delete_file', { path: '/tmp/x' }, { id: 'toolu_slow' }), textTurn('No answer.')],
      { server: { approvalTimeoutMs: 300 } },
    );
    const session = await gateway.openSession();
    const sourceTimers = cleanup.add(trackSourceTimers(), (tracker) => tracker.stop());
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'delete it'));

    expect(eventsOfType(frames, 'tool_approval_request')).toHaveLength(1);
    expect(eventsOfType(frames, 'tool_call_complete')[0]?.error).toMatchObject({ code: 'approval_timeout' });
    expect(latestToolResultOf(upstream.requests[1]).value).toMatchObject({
      error: { code: 'approval_timeout' },
    });
    expect(eventsOf(frames).at(-1)?.type).toBe('stream_complete');
    expect(deleted).toEqual([]);
    await waitForSourceTimersCleared(sourceTimers);
  });
});

describe('answers the approval route refuses', () => {
  it('refuses a wrong nonce, an unknown id, another session and a second answer', async () => {
    const stores = cleanup.add(createHoldingStores(), (holding) => holding.close());
    const { gateway, deleted } = await startApprovalAgent(
      [toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_guarded' }), textTurn('Done.')],
      { server: { store: stores } },
    );
    cleanup.add(stores, (holding) => holding.releaseDeletions());
    const session = await gateway.openSession();
    const other = await gateway.openSession('another-client');
    const reader = createSseReader(await gateway.chat(session.token, 'delete /tmp/b'));
    const request = await reader.nextOfType('tool_approval_request');
    const valid = { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true };

    const wrongNonce = await answer(gateway, session.token, { ...valid, nonce: '0000000000000000' });
    expect(wrongNonce.status).toBe(409);
    expect(await jsonOf(wrongNonce)).toEqual({ error: 'Nonce mismatch', detail: 'Nonce mismatch' });

    const unknown = await answer(gateway, session.token, { ...valid, tool_call_id: 'toolu_nobody' });
    expect(unknown.status).toBe(404);
    expect(await jsonOf(unknown)).toEqual({ error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' });

    const foreign = await answer(gateway, other.token, valid);
    expect(foreign.status).toBe(404);
    expect(await jsonOf(foreign)).toEqual({ error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' });

    stores.holdDeletions();
    const first = await answer(gateway, session.token, valid);
    expect(first.status).toBe(200);
    const second = await answer(gateway, session.token, { ...valid, approved: false });
    expect(second.status).toBe(409);
    expect(await jsonOf(second)).toEqual({
      error: 'Approval already submitted',
      detail: 'Approval already submitted',
    });
    stores.releaseDeletions();

    const rest = await reader.rest();
    expect(eventsOfType(rest, 'tool_call_complete')[0]).toMatchObject({
      result: { deleted: '/tmp/b' },
      error: null,
    });
    expect(deleted).toEqual(['/tmp/b']);
  });

  it('answers 410 once the request has expired, then forgets it', async () => {
    const stores = cleanup.add(createHoldingStores(), (holding) => holding.close());
    const { gateway, deleted } = await startApprovalAgent(
      [toolCallTurn('delete_file', { path: '/tmp/late' }, { id: 'toolu_late' }), textTurn('Too late.')],
      { server: { store: stores, approvalTimeoutMs: 300 } },
    );
    cleanup.add(stores, (holding) => holding.releaseDeletions());
    const session = await gateway.openSession();
    stores.holdDeletions();
    const reader = createSseReader(await gateway.chat(session.token, 'delete it'));
    const request = await reader.nextOfType('tool_approval_request');

    // The stream gave up waiting (expires_at passed); its record is still there, as it would be
    // in a shared store a moment after expiry.
    await stores.deletionRequested(request.tool_call_id);
    await waitFor(() => (Date.now() / 1000 > request.expires_at ? true : undefined));
    const valid = { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true };
    const late = await answer(gateway, session.token, valid);
    expect(late.status).toBe(410);
    expect(await jsonOf(late)).toEqual({ error: 'Tool approval expired', detail: 'Tool approval expired' });
    const again = await answer(gateway, session.token, valid);
    expect(again.status).toBe(404);
    stores.releaseDeletions();

    const rest = await reader.rest();
    expect(eventsOfType(rest, 'tool_call_complete')[0]?.error).toMatchObject({ code: 'approval_timeout' });
    expect(deleted).toEqual([]);
  });
});
