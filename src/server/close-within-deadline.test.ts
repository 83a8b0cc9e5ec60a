import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAgent } from './assembly/create-agent.js';

describe('close() within server.shutdown.timeoutMs', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('resolves by the deadline even when a step of the shutdown never ends (a hung onShutdown)', async () => {
    const app = createAgent({
      systemPrompt: 'You are a test agent.',
      server: {
        shutdown: { timeoutMs: 10_000 },
        onShutdown: () => new Promise<void>(() => undefined),
      },
    });
    await app.start();
    const state = { closed: false };
    void app.close().then(() => void (state.closed = true));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(state.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.closed).toBe(true);
    // The close is the same promise afterwards, settled.
    await expect(app.close()).resolves.toBeUndefined();
  });
});
