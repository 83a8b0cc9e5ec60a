import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../core/approval.js';
import type { GatewayEvent } from '../../core/events.js';
import type { JsonValue } from '../../core/thread-store.js';
import { createMemoryStores } from '../../stores/memory/create-memory-stores.js';
import { createClientAnswerRequests } from './client-answer-requests.js';
import type { RunSlot } from './run-caps.js';

const slot: RunSlot = {
  countPendingAnswer: () => Promise.resolve(() => undefined),
  release: () => Promise.resolve(),
  standDown: () => undefined,
};

const approvalOf = (toolCallId: string): ApprovalRequest => ({
  toolCallId,
  nonce: '0123456789abcdef',
  toolName: 'delete_file',
  toolInput: { path: '/tmp/x' },
  resolvedQualifier: '',
  timeoutMs: 60_000,
});

/** The run's questions, with every question it really asks withdrawn at once (the run is cancelled). */
function requestsAnswering(answered: ReadonlyMap<string, JsonValue | null>) {
  const asked: GatewayEvent[] = [];
  const cancel = new AbortController();
  const requests = createClientAnswerRequests({
    stores: createMemoryStores(),
    sessionId: 'sess_1',
    runId: 'run_1',
    emit: (event) => {
      asked.push(event);
      cancel.abort();
    },
    slot,
    approvalTimeoutMs: undefined,
    clientToolTimeoutMs: 60_000,
    answered,
  });
  return { ...requests, asked, signal: cancel.signal };
}

describe('createClientAnswerRequests with answers given before the run went on', () => {
  it('answers a call from its given answer once; a later call that reuses the id is asked', async () => {
    const run = requestsAnswering(new Map([['call_0', { approved: true, allowToolType: false }]]));
    expect(await run.requestApproval(approvalOf('call_0'), run.signal)).toEqual({
      approved: true,
      allowToolType: false,
    });
    expect(run.asked).toEqual([]);

    expect(await run.requestApproval(approvalOf('call_0'), run.signal)).toBeNull();
    expect(run.asked.map((event) => event.type)).toEqual(['tool_approval_request']);
  });

  it('asks for calls whose given answers were forgotten (their turn is over)', async () => {
    const run = requestsAnswering(new Map([['call_1', { approved: true, allowToolType: false }]]));
    run.forgetAnswered?.();
    expect(await run.requestApproval(approvalOf('call_1'), run.signal)).toBeNull();
    expect(run.asked.map((event) => event.type)).toEqual(['tool_approval_request']);
  });
});
