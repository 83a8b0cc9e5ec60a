import { describe, expect, it } from 'vitest';
import { createMemoryMessageBus } from './memory-message-bus.js';

describe('createMemoryMessageBus', () => {
  it('fans a message out to every subscriber of the channel and no other channel', async () => {
    const bus = createMemoryMessageBus();
    const received: string[] = [];
    await bus.subscribe('alpha', (payload) => received.push(`first:${JSON.stringify(payload)}`));
    await bus.subscribe('alpha', (payload) => received.push(`second:${JSON.stringify(payload)}`));
    await bus.subscribe('beta', (payload) => received.push(`beta:${JSON.stringify(payload)}`));
    await bus.publish('alpha', { value: 1 });
    expect(received.sort()).toEqual(['first:{"value":1}', 'second:{"value":1}']);
  });

  it('stops delivering after unsubscribe, and unsubscribing twice is harmless', async () => {
    const bus = createMemoryMessageBus();
    const received: unknown[] = [];
    const unsubscribe = await bus.subscribe('alpha', (payload) => received.push(payload));
    await bus.publish('alpha', 1);
    await unsubscribe();
    await unsubscribe();
    await bus.publish('alpha', 2);
    expect(received).toEqual([1]);
  });

  it('gives each subscriber its own copy of the payload', async () => {
    const bus = createMemoryMessageBus();
    const original = { items: [1] };
    let received: unknown;
    await bus.subscribe('alpha', (payload) => {
      received = payload;
    });
    await bus.publish('alpha', original);
    expect(received).toEqual({ items: [1] });
    expect(received).not.toBe(original);
  });

  it('never calls a handler inside the publisher’s synchronous call', async () => {
    const bus = createMemoryMessageBus();
    let delivered = false;
    await bus.subscribe('alpha', () => {
      delivered = true;
    });
    const publishing = bus.publish('alpha', null);
    expect(delivered).toBe(false);
    await publishing;
    expect(delivered).toBe(true);
  });

  it('keeps delivering when one handler throws and reports the error', async () => {
    const errors: Array<[unknown, string]> = [];
    const bus = createMemoryMessageBus({ onHandlerError: (error, channel) => errors.push([error, channel]) });
    const received: unknown[] = [];
    await bus.subscribe('alpha', () => {
      throw new Error('boom');
    });
    await bus.subscribe('alpha', (payload) => received.push(payload));
    await bus.publish('alpha', 'hello');
    expect(received).toEqual(['hello']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toBe('alpha');
  });

  it('is inert after close', async () => {
    const bus = createMemoryMessageBus();
    const received: unknown[] = [];
    await bus.subscribe('alpha', (payload) => received.push(payload));
    await bus.close();
    await bus.close();
    await bus.subscribe('alpha', (payload) => received.push(payload));
    await bus.publish('alpha', 'late');
    expect(received).toEqual([]);
  });
});
