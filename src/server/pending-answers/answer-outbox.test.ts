import { afterEach, describe, expect, it } from 'vitest';
import {
  BusChannel,
  type MessageBus,
  type PendingAnswerKey,
  type PendingAnswerRecord,
} from '../../core/stores.js';
import { createMemoryMessageBus } from '../../stores/memory/memory-message-bus.js';
import { createMemoryPendingAnswerStore } from '../../stores/memory/memory-pending-answer-store.js';
import { createAnswerOutbox, type AnswerOutbox, type OutboxAnswer } from './answer-outbox.js';
import { markTakenFromDatabase } from './mark-taken-from-database.js';
import { submitApproval } from './submit-approval.js';

/** The test's clock, in epoch milliseconds. */
let clock = 1_000_000;
const now = (): number => clock;

const call: PendingAnswerKey = { sessionId: 'sess_a', runId: 'run_a', toolCallId: 'call_1' };

const record: PendingAnswerRecord = {
  ...call,
  kind: 'approval',
  nonce: 'n',
  requestedAt: clock / 1000,
  expiresAt: clock / 1000 + 60,
  status: 'approval_pending',
  toolName: 'delete_file',
};

const answer: OutboxAnswer = {
  call,
  channel: BusChannel.approvalDecision(call),
  message: { approved: true, allowToolType: false },
  pendingStatus: 'approval_pending',
  answeredStatus: 'approval_received',
  expiresAtMs: clock + 60_000,
};

const outboxes: AnswerOutbox[] = [];
afterEach(async () => {
  await Promise.all(outboxes.splice(0).map((outbox) => outbox.close()));
  clock = 1_000_000;
});

/** A claimed call, a bus, and an outbox that retries every few milliseconds. */
async function setUp(options: { bus?: MessageBus; maxEntries?: number; isAvailable?: () => boolean } = {}) {
  const pendingAnswers = createMemoryPendingAnswerStore(now);
  await pendingAnswers.create(record);
  await pendingAnswers.transition(call, 'approval_pending', 'approval_received');
  const bus = options.bus ?? createMemoryMessageBus();
  const errors: string[] = [];
  const outbox = createAnswerOutbox({
    bus,
    pendingAnswers,
    now,
    retryIntervalMs: 2,
    maxRetryIntervalMs: 5,
    report: (error) => errors.push(error instanceof Error ? error.message : String(error)),
    ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
    ...(options.isAvailable === undefined ? {} : { isAvailable: options.isAvailable }),
  });
  outboxes.push(outbox);
  return { pendingAnswers, bus, outbox, errors };
}

/** Resolves once `bus` has been published to `count` times (the outbox is retrying). */
function countingPublishes(inner: MessageBus): {
  bus: MessageBus;
  published: (count: number) => Promise<void>;
} {
  let publishes = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    bus: {
      ...inner,
      async publish(channel, payload) {
        const receivers = await inner.publish(channel, payload);
        publishes += 1;
        for (const waiter of waiters.filter((item) => item.count <= publishes)) waiter.resolve();
        return receivers;
      },
    },
    published: (count) =>
      new Promise((resolve) => {
        if (publishes >= count) resolve();
        else waiters.push({ count, resolve });
      }),
  };
}

describe('createAnswerOutbox', () => {
  it('publishes again until the waiting run has subscribed, which then receives the answer once', async () => {
    const counting = countingPublishes(createMemoryMessageBus());
    const { outbox } = await setUp({ bus: counting.bus });
    const outcome = outbox.deliver(answer);
    expect(outbox.size).toBe(1);
    // Nobody listens yet (the run's instance is reconnecting): the outbox keeps the answer.
    await counting.published(3);
    const received: unknown[] = [];
    await counting.bus.subscribe(answer.channel, (payload) => received.push(payload));
    expect(await outcome).toBe('delivered');
    expect(received).toEqual([answer.message]);
    expect(outbox.size).toBe(0);
  });

  it('keeps trying while publishing fails (Redis unreachable), reporting the failure once', async () => {
    const inner = createMemoryMessageBus();
    let failures = 3;
    const received: unknown[] = [];
    await inner.subscribe(answer.channel, (payload) => received.push(payload));
    const flaky: MessageBus = {
      ...inner,
      publish: (channel, payload) =>
        failures-- > 0 ? Promise.reject(new Error('Connection is closed.')) : inner.publish(channel, payload),
    };
    const { outbox, errors } = await setUp({ bus: flaky });
    expect(await outbox.deliver(answer)).toBe('delivered');
    expect(received).toEqual([answer.message]);
    expect(errors).toEqual(['Connection is closed.']);
  });

  it('publishes nothing while the store is unreachable, and delivers once it is back', async () => {
    let available = false;
    let checks = 0;
    const counting = countingPublishes(createMemoryMessageBus());
    const received: unknown[] = [];
    await counting.bus.subscribe(answer.channel, (payload) => received.push(payload));
    const { outbox } = await setUp({
      bus: counting.bus,
      isAvailable: () => {
        checks += 1;
        // Reachable again from the fourth look on.
        if (checks >= 4) available = true;
        return available;
      },
    });
    expect(await outbox.deliver(answer)).toBe('delivered');
    expect(checks).toBe(4);
    expect(received).toEqual([answer.message]);
  });

  it('stops when the call no longer holds the claim (its run ended or moved)', async () => {
    const counting = countingPublishes(createMemoryMessageBus());
    const { outbox, pendingAnswers } = await setUp({ bus: counting.bus });
    const outcome = outbox.deliver(answer);
    await counting.published(1);
    await pendingAnswers.delete(call);
    expect(await outcome).toBe('withdrawn');
  });

  it('ends delivered when the run took the answer from the database (the claim carries a new nonce)', async () => {
    const counting = countingPublishes(createMemoryMessageBus());
    const { outbox, pendingAnswers } = await setUp({ bus: counting.bus });
    const outcome = outbox.deliver({ ...answer, nonce: 'n' });
    await counting.published(1);
    // A run taken over used the answer kept in the database and re-stamped the call's tombstone.
    await markTakenFromDatabase(pendingAnswers, [call]);
    expect(await outcome).toBe('delivered');
    const tombstone = await pendingAnswers.get(call);
    expect(tombstone?.status).toBe('approval_received');
    expect(tombstone?.nonce).not.toBe('n');
  });

  it('leaves a re-stamped claim alone when it closes', async () => {
    const pendingAnswers = createMemoryPendingAnswerStore(now);
    await pendingAnswers.create(record);
    await pendingAnswers.transition(call, 'approval_pending', 'approval_received');
    let checked: () => void = () => undefined;
    const claimChecked = new Promise<void>((resolve) => {
      checked = resolve;
    });
    // Never received: the outbox is still retrying (a long pause) when it closes.
    const outbox = createAnswerOutbox({
      bus: createMemoryMessageBus(),
      pendingAnswers: {
        ...pendingAnswers,
        get: (key) => {
          checked();
          return pendingAnswers.get(key);
        },
      },
      now,
      retryIntervalMs: 60_000,
      report: () => undefined,
    });
    const outcome = outbox.deliver({ ...answer, nonce: 'n' });
    // The outbox found its claim held and pauses; the run then takes the answer elsewhere.
    await claimChecked;
    await new Promise((resolve) => setImmediate(resolve));
    await markTakenFromDatabase(pendingAnswers, [call]);
    await outbox.close();
    expect(await outcome).toBe('closed');
    expect((await pendingAnswers.get(call))?.status).toBe('approval_received');
  });

  it('drops the answer when its call expires', async () => {
    const counting = countingPublishes(createMemoryMessageBus());
    const { outbox } = await setUp({ bus: counting.bus });
    const outcome = outbox.deliver(answer);
    await counting.published(1);
    clock = answer.expiresAtMs;
    expect(await outcome).toBe('expired');
  });

  it('refuses an answer beyond its bound, and any once closed', async () => {
    const { outbox } = await setUp({ maxEntries: 1 });
    const first = outbox.deliver(answer);
    expect(first).toBeDefined();
    expect(outbox.deliver({ ...answer, call: { ...call, toolCallId: 'call_2' } })).toBe(undefined);
    await outbox.close();
    expect(await first).toBe('closed');
    expect(outbox.deliver(answer)).toBe(undefined);
  });

  it('undoes the claims of the answers nobody received when it closes, so they can be posted again', async () => {
    const counting = countingPublishes(createMemoryMessageBus());
    const { outbox, pendingAnswers } = await setUp({ bus: counting.bus });
    const outcome = outbox.deliver(answer);
    await counting.published(1);
    await outbox.close();
    expect(await outcome).toBe('closed');
    expect((await pendingAnswers.get(call))?.status).toBe('approval_pending');
  });
});

describe('submitApproval and the outbox', () => {
  const body = { tool_call_id: 'call_1', nonce: 'n', approved: true, allow_tool_type: false };

  async function waitingCall() {
    const pendingAnswers = createMemoryPendingAnswerStore(now);
    await pendingAnswers.create(record);
    return pendingAnswers;
  }

  it('answers 202 when the run has not received the answer in time, then delivers it', async () => {
    const pendingAnswers = await waitingCall();
    const bus = createMemoryMessageBus();
    const outbox = createAnswerOutbox({
      bus,
      pendingAnswers,
      now,
      retryIntervalMs: 2,
      report: () => undefined,
    });
    outboxes.push(outbox);
    const response = await submitApproval({
      stores: { pendingAnswers, bus },
      sessionId: 'sess_a',
      body,
      now,
      outbox,
      deliveryWaitMs: 10,
    });
    expect(response).toEqual({ status: 202, body: { status: 'queued' } });
    const received = new Promise((resolve) => void bus.subscribe(answer.channel, resolve));
    expect(await received).toEqual({ approved: true, allowToolType: false });
    // Claimed once: the same answer again is refused.
    const again = await submitApproval({
      stores: { pendingAnswers, bus },
      sessionId: 'sess_a',
      body,
      now,
      outbox,
    });
    expect(again.status).toBe(409);
  });

  it('answers 503 with retry-after and claims nothing when the store cannot be reached', async () => {
    const pendingAnswers = await waitingCall();
    const unreachable = {
      ...pendingAnswers,
      get: () => Promise.reject(new Error('Connection is closed.')),
    };
    const bus = createMemoryMessageBus();
    const response = await submitApproval({
      stores: { pendingAnswers: unreachable, bus },
      sessionId: 'sess_a',
      body,
      now,
    });
    expect(response.status).toBe(503);
    expect(response.headers).toEqual({ 'retry-after': '1' });
    expect((await pendingAnswers.get(call))?.status).toBe('approval_pending');
  });

  it('without an app outbox, undoes the claim and answers 503 when nobody received the answer in time', async () => {
    const pendingAnswers = await waitingCall();
    const bus = createMemoryMessageBus();
    const response = await submitApproval({
      stores: { pendingAnswers, bus },
      sessionId: 'sess_a',
      body,
      now,
      deliveryWaitMs: 10,
    });
    expect(response.status).toBe(503);
    expect(response.headers).toEqual({ 'retry-after': '1' });
    expect((await pendingAnswers.get(call))?.status).toBe('approval_pending');
  });
});
