import { describe, expect, it } from 'vitest';
import type { GatewayEvent, ToolCallStartEvent } from '../../core/events.js';
import type { GatewayStores } from '../../core/stores.js';
import type { ToolOutcome } from '../../core/tool.js';
import { createMemoryStores } from '../../stores/memory/create-memory-stores.js';
import type { ToolResultBody } from '../contracts/request-schemas.js';
import { awaitClientToolResult } from './await-client-tool-result.js';
import { submitToolResult } from './submit-tool-result.js';

const sessionId = `sess_${'a'.repeat(32)}`;
const runId = 'run_a';
const key = (toolCallId: string) => ({ sessionId, runId, toolCallId });

/** Stores a client tool call as a pending answer as the runner would, announced as `tool_call_start`. */
function startClientTool(stores: GatewayStores, options: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  const events: GatewayEvent[] = [];
  let onStart: (event: ToolCallStartEvent) => void = () => undefined;
  const started = new Promise<ToolCallStartEvent>((resolve) => {
    onStart = resolve;
  });
  const outcome: Promise<ToolOutcome> = awaitClientToolResult({
    stores,
    sessionId,
    runId,
    toolCallId: 'call_client',
    toolName: 'pick_file',
    timeoutMs: options.timeoutMs ?? 10_000,
    signal: options.signal ?? new AbortController().signal,
    announce: ({ nonce, expiresAt }) => {
      const event: ToolCallStartEvent = {
        type: 'tool_call_start',
        tool_call_id: 'call_client',
        tool_name: 'pick_file',
        tool_input: {},
        execution_location: 'client',
        call_index: 0,
        nonce,
        expires_at: expiresAt,
      };
      events.push(event);
      onStart(event);
    },
  });
  return { events, started, outcome };
}

function post(
  stores: GatewayStores,
  fields: Partial<ToolResultBody> & { nonce: string },
  now?: () => number,
) {
  return submitToolResult({
    stores,
    sessionId,
    body: { tool_call_id: 'call_client', result: null, error: null, ...fields },
    ...(now === undefined ? {} : { now }),
  });
}

describe('client-side tool over stores', () => {
  it('announces a nonce and expiry and resolves with the posted result', async () => {
    const stores = createMemoryStores();
    const { started, outcome } = startClientTool(stores);
    const event = await started;
    expect(event.nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(event.expires_at).toBeGreaterThan(Date.now() / 1000);
    expect(await stores.pendingAnswers.get(key('call_client'))).toMatchObject({
      kind: 'client_tool',
      status: 'pending',
    });
    expect(await post(stores, { nonce: event.nonce ?? '', result: { path: '/tmp/a' } })).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await outcome).toEqual({ ok: true, result: { path: '/tmp/a' }, server: null });
    // Kept as a tombstone, so a repeated result is told 409 rather than 404.
    expect(await stores.pendingAnswers.get(key('call_client'))).toMatchObject({ status: 'received' });
    expect(await post(stores, { nonce: event.nonce ?? '', result: null })).toEqual({
      status: 409,
      body: { error: 'Result already submitted', detail: 'Result already submitted' },
    });
  });

  it('turns a posted error into a failure the model reads', async () => {
    const stores = createMemoryStores();
    const { started, outcome } = startClientTool(stores);
    const event = await started;
    await post(stores, {
      nonce: event.nonce ?? '',
      error: { code: 'user_cancelled', message: 'Closed the dialog' },
    });
    expect(await outcome).toEqual({
      ok: false,
      error: { code: 'user_cancelled', message: 'Closed the dialog' },
      server: null,
    });
  });

  it('resolves a timeout failure when the client stays silent, and cleans up', async () => {
    const stores = createMemoryStores();
    const { outcome } = startClientTool(stores, { timeoutMs: 20 });
    expect(await outcome).toMatchObject({
      ok: false,
      error: { code: 'tool_timeout', sub_code: 'client_timeout' },
    });
    expect(await stores.pendingAnswers.get(key('call_client'))).toBeUndefined();
  });

  it('resolves a cancelled failure on abort, and cleans up', async () => {
    const stores = createMemoryStores();
    const controller = new AbortController();
    const { started, outcome } = startClientTool(stores, { signal: controller.signal });
    await started;
    controller.abort();
    expect(await outcome).toEqual({
      ok: false,
      error: { code: 'cancelled', message: 'Task was cancelled' },
      server: null,
    });
    expect(await stores.pendingAnswers.get(key('call_client'))).toBeUndefined();
  });

  it('refuses a wrong nonce, a second result, and an approval-state call', async () => {
    const stores = createMemoryStores();
    const { started, outcome } = startClientTool(stores);
    const event = await started;
    const nonce = event.nonce ?? '';
    expect(await post(stores, { nonce: 'ffffffffffffffff' })).toEqual({
      status: 409,
      body: { error: 'Nonce mismatch', detail: 'Nonce mismatch' },
    });
    const [first, second] = await Promise.all([
      post(stores, { nonce, result: { n: 1 } }),
      post(stores, { nonce, result: { n: 2 } }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expect([first, second].find((response) => response.status === 409)?.body).toEqual({
      error: 'Result already submitted',
      detail: 'Result already submitted',
    });
    await outcome;

    await stores.pendingAnswers.create({
      toolCallId: 'call_client',
      sessionId,
      runId,
      kind: 'approval',
      nonce,
      requestedAt: 0,
      expiresAt: Number.MAX_SAFE_INTEGER,
      status: 'approval_pending',
      toolName: 'pick_file',
    });
    expect(await post(stores, { nonce })).toEqual({
      status: 409,
      body: {
        error: 'Invalid pending tool state for result submission',
        detail: 'Invalid pending tool state for result submission',
      },
    });
  });

  it('refuses an expired result with 410, an unknown id and another session’s call with 404', async () => {
    const stores = createMemoryStores();
    const controller = new AbortController();
    const { started, outcome } = startClientTool(stores, { signal: controller.signal });
    const event = await started;
    const nonce = event.nonce ?? '';
    const expiresAt = event.expires_at ?? 0;
    expect(
      await submitToolResult({
        stores,
        sessionId: `sess_${'b'.repeat(32)}`,
        body: { tool_call_id: 'call_client', nonce, result: null, error: null },
      }),
    ).toEqual({ status: 404, body: { error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' } });
    expect(
      await submitToolResult({
        stores,
        sessionId,
        body: { tool_call_id: 'call_other', nonce, result: null, error: null },
      }),
    ).toEqual({ status: 404, body: { error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' } });
    expect(await post(stores, { nonce }, () => expiresAt * 1000 + 1)).toEqual({
      status: 410,
      body: { error: 'Tool call expired', detail: 'Tool call expired' },
    });
    expect(await stores.pendingAnswers.get(key('call_client'))).toBeUndefined();
    controller.abort();
    expect(await outcome).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });
});
