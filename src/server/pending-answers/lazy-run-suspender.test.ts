import { describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../core/events.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import { createLazyRunSuspender } from './lazy-run-suspender.js';
import type { RunSuspender } from './run-suspender.js';

const tokens = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0 };
const checkpoint: RunCheckpoint = { messages: [{ role: 'user', content: 'go' }], turns: 1, tokens };
const text: GatewayEvent = { type: 'text_delta', text: 'Hello' };
const question: GatewayEvent = {
  type: 'tool_approval_request',
  tool_call_id: 'toolu_1',
  nonce: 'nonce_1',
  expires_at: 2_000_000_000,
  tool_name: 'delete_file',
  tool_input: { path: 'a.txt' },
  resolved_qualifier: 'delete_file',
};

/** A suspender that lists what it was told, and how many were made. */
function recordingSuspenders(): { create: () => RunSuspender; made: () => number; calls: string[] } {
  const calls: string[] = [];
  let made = 0;
  return {
    calls,
    made: () => made,
    create: () => {
      made += 1;
      return {
        observe: (event) => calls.push(`observe ${event.type}`),
        checkpoint: (taken) => calls.push(`checkpoint ${taken.turns}`),
        waiting: (toolCallId) => {
          calls.push(`waiting ${toolCallId}`);
          return () => undefined;
        },
        suspendNow: () => Promise.resolve(true),
        stop: () => calls.push('stop'),
        released: () => Promise.resolve(false),
      };
    },
  };
}

describe('the lazy run suspender', () => {
  it('makes no suspender for a run that never asks a person anything', async () => {
    const { create, made } = recordingSuspenders();
    const suspender = createLazyRunSuspender(create, undefined);
    suspender.observe(text);
    suspender.checkpoint(checkpoint);
    await expect(suspender.suspendNow()).resolves.toBe(false);
    suspender.stop();
    // Nothing to lift: false at once, no promise.
    expect(suspender.released()).toBe(false);
    expect(made()).toBe(0);
  });

  it('makes one at the first question, with the run’s latest checkpoint, and hands it everything after', async () => {
    const { create, made, calls } = recordingSuspenders();
    const suspender = createLazyRunSuspender(create, undefined);
    suspender.observe(text);
    suspender.checkpoint({ ...checkpoint, turns: 1 });
    suspender.checkpoint({ ...checkpoint, turns: 2 });
    suspender.observe(question);
    suspender.observe(text);
    suspender.waiting('toolu_1');
    await expect(suspender.suspendNow()).resolves.toBe(true);
    expect(made()).toBe(1);
    expect(calls).toEqual([
      'checkpoint 2',
      'observe tool_approval_request',
      'observe text_delta',
      'waiting toolu_1',
    ]);
  });

  it('makes one for a call that starts waiting, stopped already if the run has ended', () => {
    const { create, made, calls } = recordingSuspenders();
    const suspender = createLazyRunSuspender(create, undefined);
    suspender.stop();
    suspender.waiting('toolu_2');
    expect(made()).toBe(1);
    expect(calls).toEqual(['stop', 'waiting toolu_2']);
  });
});
