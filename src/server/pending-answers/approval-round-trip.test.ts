import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../core/approval.js';
import type { GatewayEvent, ToolApprovalRequestEvent } from '../../core/events.js';
import type { GatewayStores } from '../../core/stores.js';
import { createMemoryStores } from '../../stores/memory/create-memory-stores.js';
import { createRequestApprovalOverStores } from './create-request-approval-over-stores.js';
import { submitApproval } from './submit-approval.js';

const sessionId = `sess_${'a'.repeat(32)}`;
const otherSessionId = `sess_${'b'.repeat(32)}`;
const runId = 'run_a';
const key = (toolCallId: string) => ({ sessionId, runId, toolCallId });

function approvalRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    toolCallId: 'call_1',
    nonce: '0123456789abcdef',
    toolName: 'code_execute',
    toolInput: { code: 'print(1)' },
    resolvedQualifier: 'docker',
    timeoutMs: 10_000,
    ...overrides,
  };
}

async function setup() {
  const stores = createMemoryStores();
  await stores.sessions.create({
    sessionId,
    apiKeyHash: 'abcdef0123456789',
    createdAt: 1,
    expiresAt: Number.MAX_SAFE_INTEGER,
    approvedToolTypes: [],
  });
  let announce: (event: ToolApprovalRequestEvent) => void = () => undefined;
  const announced = new Promise<ToolApprovalRequestEvent>((resolve) => {
    announce = resolve;
  });
  const events: GatewayEvent[] = [];
  const requestApproval = createRequestApprovalOverStores({
    stores,
    sessionId,
    runId,
    emit: (event) => {
      events.push(event);
      if (event.type === 'tool_approval_request') announce(event);
    },
  });
  return { stores, events, announced, requestApproval };
}

/** Answers the announced approval as the HTTP route would. */
function answer(
  stores: GatewayStores,
  event: ToolApprovalRequestEvent,
  fields: { approved?: boolean; allow_tool_type?: boolean; nonce?: string; sessionId?: string } = {},
) {
  return submitApproval({
    stores,
    sessionId: fields.sessionId ?? sessionId,
    body: {
      tool_call_id: event.tool_call_id,
      nonce: fields.nonce ?? event.nonce,
      approved: fields.approved ?? true,
      allow_tool_type: fields.allow_tool_type ?? false,
    },
  });
}

describe('approval over stores', () => {
  it('announces the request with the wire protocol’s fields and resolves the approval', async () => {
    const { stores, announced, requestApproval, events } = await setup();
    const pending = requestApproval(approvalRequest(), new AbortController().signal);
    const event = await announced;
    expect(event).toEqual({
      type: 'tool_approval_request',
      tool_call_id: 'call_1',
      nonce: '0123456789abcdef',
      expires_at: event.expires_at,
      tool_name: 'code_execute',
      tool_input: { code: 'print(1)' },
      resolved_qualifier: 'docker',
    });
    expect(await stores.pendingAnswers.get(key('call_1'))).toMatchObject({
      status: 'approval_pending',
      kind: 'approval',
    });
    expect(await answer(stores, event)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await pending).toEqual({ approved: true, allowToolType: false });
    // Kept as a tombstone, so a repeated answer is told 409 rather than 404.
    expect(await stores.pendingAnswers.get(key('call_1'))).toMatchObject({ status: 'approval_received' });
    expect(await answer(stores, event)).toEqual({
      status: 409,
      body: { error: 'Approval already submitted', detail: 'Approval already submitted' },
    });
    expect((await stores.sessions.get(sessionId))?.approvedToolTypes).toEqual([]);
    expect(events).toHaveLength(1);
  });

  it('resolves a denial', async () => {
    const { stores, announced, requestApproval } = await setup();
    const pending = requestApproval(approvalRequest(), new AbortController().signal);
    await answer(stores, await announced, { approved: false, allow_tool_type: true });
    expect(await pending).toEqual({ approved: false, allowToolType: true });
    expect((await stores.sessions.get(sessionId))?.approvedToolTypes).toEqual([]);
  });

  it('persists "always allow" on the session with the qualified key', async () => {
    const { stores, announced, requestApproval } = await setup();
    const pending = requestApproval(approvalRequest(), new AbortController().signal);
    expect(await answer(stores, await announced, { allow_tool_type: true })).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await pending).toEqual({ approved: true, allowToolType: true });
    expect((await stores.sessions.get(sessionId))?.approvedToolTypes).toEqual(['code_execute:docker']);
  });

  it('marks an unsandboxed request sandboxed: false and does not persist an always-allow it forbids', async () => {
    const { stores, announced, requestApproval } = await setup();
    const pending = requestApproval(
      approvalRequest({ resolvedQualifier: 'subprocess', sandboxed: false, allowAlways: false }),
      new AbortController().signal,
    );
    const event = await announced;
    expect(event).toMatchObject({ resolved_qualifier: 'subprocess', sandboxed: false });
    expect(await answer(stores, event, { allow_tool_type: true })).toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        allow_tool_type_applied: false,
        note: expect.stringContaining('allowAlwaysForUnsandboxed') as string,
      },
    });
    expect(await pending).toMatchObject({ approved: true });
    expect((await stores.sessions.get(sessionId))?.approvedToolTypes).toEqual([]);
  });

  it('resolves null on timeout and removes the pending record', async () => {
    const { stores, requestApproval } = await setup();
    expect(
      await requestApproval(approvalRequest({ timeoutMs: 20 }), new AbortController().signal),
    ).toBeNull();
    expect(await stores.pendingAnswers.get(key('call_1'))).toBeUndefined();
  });

  it('resolves null on abort and removes the pending record', async () => {
    const { stores, announced, requestApproval } = await setup();
    const controller = new AbortController();
    const pending = requestApproval(approvalRequest(), controller.signal);
    const event = await announced;
    controller.abort();
    expect(await pending).toBeNull();
    expect(await stores.pendingAnswers.get(key('call_1'))).toBeUndefined();
    expect(await answer(stores, event)).toEqual({
      status: 404,
      body: { error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' },
    });
  });

  it('refuses a wrong nonce and still accepts the right one afterwards', async () => {
    const { stores, announced, requestApproval } = await setup();
    const pending = requestApproval(approvalRequest(), new AbortController().signal);
    const event = await announced;
    expect(await answer(stores, event, { nonce: 'ffffffffffffffff' })).toEqual({
      status: 409,
      body: { error: 'Nonce mismatch', detail: 'Nonce mismatch' },
    });
    expect(await answer(stores, event, { nonce: 'short' })).toEqual({
      status: 409,
      body: { error: 'Nonce mismatch', detail: 'Nonce mismatch' },
    });
    await answer(stores, event);
    expect(await pending).toEqual({ approved: true, allowToolType: false });
  });

  it('accepts exactly one of two concurrent answers', async () => {
    const { stores, announced, requestApproval } = await setup();
    const pending = requestApproval(approvalRequest(), new AbortController().signal);
    const event = await announced;
    const responses = await Promise.all([answer(stores, event), answer(stores, event, { approved: false })]);
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
    expect(responses.find((response) => response.status === 409)?.body).toEqual({
      error: 'Approval already submitted',
      detail: 'Approval already submitted',
    });
    expect(await pending).toEqual({ approved: true, allowToolType: false });
  });

  it('refuses a second answer while the first is being delivered', async () => {
    const { stores } = await setup();
    await stores.pendingAnswers.create({
      toolCallId: 'call_1',
      sessionId,
      runId,
      kind: 'approval',
      nonce: 'n',
      requestedAt: 0,
      expiresAt: Number.MAX_SAFE_INTEGER,
      status: 'approval_received',
      toolName: 'code_execute',
    });
    const body = { tool_call_id: 'call_1', nonce: 'n', approved: true, allow_tool_type: false };
    expect(await submitApproval({ stores, sessionId, body })).toEqual({
      status: 409,
      body: { error: 'Approval already submitted', detail: 'Approval already submitted' },
    });
  });

  it('refuses an expired approval with 410 and forgets it', async () => {
    const { stores, announced, requestApproval } = await setup();
    const controller = new AbortController();
    const pending = requestApproval(approvalRequest(), controller.signal);
    const event = await announced;
    const response = await submitApproval({
      stores,
      sessionId,
      body: { tool_call_id: 'call_1', nonce: event.nonce, approved: true, allow_tool_type: false },
      now: () => event.expires_at * 1000,
    });
    expect(response).toEqual({
      status: 410,
      body: { error: 'Tool approval expired', detail: 'Tool approval expired' },
    });
    expect(await stores.pendingAnswers.get(key('call_1'))).toBeUndefined();
    // No decision was delivered: the waiting run ends only by its timeout or cancellation.
    controller.abort();
    expect(await pending).toBeNull();
  });

  it('refuses to ask again for a tool call id that is already waiting, leaving the first intact', async () => {
    const { stores, announced, requestApproval } = await setup();
    const controller = new AbortController();
    const first = requestApproval(approvalRequest(), controller.signal);
    const event = await announced;
    await expect(
      requestApproval(approvalRequest({ nonce: 'ffffffffffffffff' }), controller.signal),
    ).rejects.toThrow(/already waiting/);
    expect((await stores.pendingAnswers.get(key('call_1')))?.nonce).toBe(event.nonce);
    await answer(stores, event);
    expect(await first).toEqual({ approved: true, allowToolType: false });
  });

  it('answers 404 for an unknown id and for another session’s id', async () => {
    const { stores, announced, requestApproval } = await setup();
    const controller = new AbortController();
    const pending = requestApproval(approvalRequest(), controller.signal);
    const event = await announced;
    const unknown = await submitApproval({
      stores,
      sessionId,
      body: { tool_call_id: 'call_missing', nonce: event.nonce, approved: true, allow_tool_type: false },
    });
    expect(unknown).toEqual({
      status: 404,
      body: { error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' },
    });
    expect(await answer(stores, event, { sessionId: otherSessionId })).toEqual({
      status: 404,
      body: { error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' },
    });
    controller.abort();
    expect(await pending).toBeNull();
  });

  it('refuses to approve a client-side tool call', async () => {
    const { stores } = await setup();
    await stores.pendingAnswers.create({
      toolCallId: 'call_client',
      sessionId,
      runId,
      kind: 'client_tool',
      nonce: 'n',
      requestedAt: 0,
      expiresAt: Number.MAX_SAFE_INTEGER,
      status: 'pending',
      toolName: 'pick_file',
    });
    const body = { tool_call_id: 'call_client', nonce: 'n', approved: true, allow_tool_type: false };
    expect(await submitApproval({ stores, sessionId, body })).toEqual({
      status: 409,
      body: {
        error: 'Invalid pending tool state for approval submission',
        detail: 'Invalid pending tool state for approval submission',
      },
    });
  });

  it('resolves null at once for an already aborted signal without announcing', async () => {
    const { stores, events, requestApproval } = await setup();
    expect(await requestApproval(approvalRequest(), AbortSignal.abort())).toBeNull();
    expect(events).toEqual([]);
    expect(await stores.pendingAnswers.get(key('call_1'))).toBeUndefined();
  });
});
