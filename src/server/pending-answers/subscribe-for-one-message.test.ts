import { describe, expect, it } from 'vitest';
import { createMemoryMessageBus } from '../../stores/memory/memory-message-bus.js';
import { parseApprovalDecisionMessage, parseClientToolResultMessage } from './bus-message-parsers.js';
import { subscribeForOneMessage } from './subscribe-for-one-message.js';

describe('subscribeForOneMessage', () => {
  it('keeps a message that arrived before wait was called', async () => {
    const bus = createMemoryMessageBus();
    const subscription = await subscribeForOneMessage({
      bus,
      channel: 'c',
      parse: parseApprovalDecisionMessage,
    });
    await bus.publish('c', { approved: true });
    expect(await subscription.wait({ timeoutMs: 10_000, signal: new AbortController().signal })).toEqual({
      approved: true,
      allowToolType: false,
    });
    await subscription.close();
  });

  it('ignores payloads the parser rejects and takes the first valid one', async () => {
    const bus = createMemoryMessageBus();
    const subscription = await subscribeForOneMessage({
      bus,
      channel: 'c',
      parse: parseApprovalDecisionMessage,
    });
    const waiting = subscription.wait({ timeoutMs: 10_000, signal: new AbortController().signal });
    await bus.publish('c', { approved: 'yes' });
    await bus.publish('c', { approved: false, allowToolType: true });
    await bus.publish('c', { approved: true });
    expect(await waiting).toEqual({ approved: false, allowToolType: true });
    await subscription.close();
    await subscription.close();
  });

  it('resolves null on timeout and on abort', async () => {
    const bus = createMemoryMessageBus();
    const subscription = await subscribeForOneMessage({
      bus,
      channel: 'c',
      parse: parseApprovalDecisionMessage,
    });
    expect(await subscription.wait({ timeoutMs: 5, signal: new AbortController().signal })).toBeNull();
    const controller = new AbortController();
    const waiting = subscription.wait({ timeoutMs: 10_000, signal: controller.signal });
    controller.abort();
    expect(await waiting).toBeNull();
    expect(await subscription.wait({ timeoutMs: 10_000, signal: controller.signal })).toBeNull();
    await subscription.close();
  });
});

describe('bus message parsers', () => {
  it('accept only well-formed client tool results', () => {
    expect(parseClientToolResultMessage({ result: { a: 1 }, error: null })).toEqual({
      result: { a: 1 },
      error: null,
    });
    expect(parseClientToolResultMessage({ result: null, error: { code: 'x' } })).toEqual({
      result: null,
      error: { code: 'x' },
    });
    expect(parseClientToolResultMessage({ result: 'text', error: null })).toBeUndefined();
    expect(parseClientToolResultMessage({ result: null })).toBeUndefined();
    expect(parseClientToolResultMessage([])).toBeUndefined();
  });

  it('accept only approval decisions with a boolean approved', () => {
    expect(parseApprovalDecisionMessage({ approved: true, allowToolType: true })).toEqual({
      approved: true,
      allowToolType: true,
    });
    expect(parseApprovalDecisionMessage({ approved: 1 })).toBeUndefined();
    expect(parseApprovalDecisionMessage(null)).toBeUndefined();
  });
});
