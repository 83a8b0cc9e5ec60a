import { describe, expect, it } from 'vitest';
import { BusChannel, type PendingAnswerRecord, type PendingAnswerStore } from '../../core/stores.js';
import { createMemoryPendingAnswerStore } from '../../stores/memory/memory-pending-answer-store.js';
import { claimPendingSubmission, type SubmissionRules } from './claim-pending-submission.js';

const rules: SubmissionRules = {
  pendingStatus: 'pending',
  answeredStatus: 'received',
  alreadySubmittedMessage: 'Result already submitted',
  invalidStateMessage: 'Invalid pending tool state for result submission',
  expiredMessage: 'Tool call expired',
  channel: BusChannel.clientToolResult,
  deliveryFailedMessage: 'The result could not be delivered; retry',
};

const record: PendingAnswerRecord = {
  toolCallId: 'call_1',
  sessionId: 'sess_a',
  runId: 'run_a',
  kind: 'client_tool',
  nonce: 'n',
  requestedAt: 0,
  expiresAt: 100,
  status: 'pending',
  toolName: 'pick_file',
};

/** A store where the waiting run gives up between the checks and the compare-and-set. */
function storeLosingTheRecordBeforeTransition(): PendingAnswerStore {
  const inner = createMemoryPendingAnswerStore();
  return {
    ...inner,
    async transition(key, from, to) {
      await inner.delete(key);
      return inner.transition(key, from, to);
    },
  };
}

describe('claimPendingSubmission', () => {
  it('claims a waiting call once', async () => {
    const pendingAnswers = createMemoryPendingAnswerStore();
    await pendingAnswers.create(record);
    const options = {
      pendingAnswers,
      sessionId: 'sess_a',
      toolCallId: 'call_1',
      nonce: 'n',
      nowMs: 50_000,
      rules,
    };
    expect(await claimPendingSubmission(options)).toEqual({
      claimed: true,
      key: { sessionId: 'sess_a', runId: 'run_a', toolCallId: 'call_1' },
      expiresAtMs: 100_000,
      record,
    });
    expect(await claimPendingSubmission(options)).toEqual({
      claimed: false,
      response: {
        status: 409,
        body: { error: 'Result already submitted', detail: 'Result already submitted' },
      },
    });
  });

  it('answers 404 when the call stopped waiting just before the claim', async () => {
    const pendingAnswers = storeLosingTheRecordBeforeTransition();
    await pendingAnswers.create(record);
    expect(
      await claimPendingSubmission({
        pendingAnswers,
        sessionId: 'sess_a',
        toolCallId: 'call_1',
        nonce: 'n',
        nowMs: 0,
        rules,
      }),
    ).toEqual({
      claimed: false,
      response: { status: 404, body: { error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' } },
    });
  });

  it('checks the nonce before the expiry: a wrong nonce is told 409 even once the call expired', async () => {
    const pendingAnswers = createMemoryPendingAnswerStore();
    await pendingAnswers.create(record);
    const late = { pendingAnswers, sessionId: 'sess_a', toolCallId: 'call_1', nowMs: 200_000, rules };
    expect(await claimPendingSubmission({ ...late, nonce: 'wrong' })).toEqual({
      claimed: false,
      response: { status: 409, body: { error: 'Nonce mismatch', detail: 'Nonce mismatch' } },
    });
    expect(await claimPendingSubmission({ ...late, nonce: 'n' })).toEqual({
      claimed: false,
      response: { status: 410, body: { error: 'Tool call expired', detail: 'Tool call expired' } },
    });
    expect(await pendingAnswers.get(record)).toBeUndefined();
  });

  it('claims only the answering session’s own call when another session asked under the same id', async () => {
    const pendingAnswers = createMemoryPendingAnswerStore();
    const other = { ...record, sessionId: 'sess_b', runId: 'run_b', nonce: 'm' };
    await pendingAnswers.create(record);
    await pendingAnswers.create(other);
    const claim = { pendingAnswers, sessionId: 'sess_b', toolCallId: 'call_1', nowMs: 50_000, rules };
    // The first session's nonce names nothing in the second session: no hint that it exists.
    expect(await claimPendingSubmission({ ...claim, nonce: 'n' })).toEqual({
      claimed: false,
      response: { status: 409, body: { error: 'Nonce mismatch', detail: 'Nonce mismatch' } },
    });
    expect(await claimPendingSubmission({ ...claim, nonce: 'm' })).toMatchObject({
      claimed: true,
      key: { sessionId: 'sess_b', runId: 'run_b', toolCallId: 'call_1' },
    });
    expect((await pendingAnswers.get(record))?.status).toBe('pending');
    expect(await claimPendingSubmission({ ...claim, sessionId: 'sess_c', nonce: 'n' })).toEqual({
      claimed: false,
      response: { status: 404, body: { error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' } },
    });
  });
});
