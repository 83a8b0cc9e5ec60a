import { describe, expect, it } from 'vitest';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import { checkpointSinkOf } from './suspender-of.js';

const tokens = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0 };
const inTurn: RunCheckpoint = {
  messages: [{ role: 'user', content: 'go' }],
  turns: 1,
  tokens,
  toolsInFlight: { calls: [], finished: {}, stopReason: 'tool_use' },
};
const betweenTurns: RunCheckpoint = { messages: [{ role: 'user', content: 'go' }], turns: 1, tokens };

describe('checkpointSinkOf', () => {
  it('forgets the given answers at the first checkpoint without tools in flight, and still saves', async () => {
    const saved: RunCheckpoint[] = [];
    let forgotten = 0;
    const { onCheckpoint } = checkpointSinkOf(
      (checkpoint) => {
        saved.push(checkpoint);
        return Promise.resolve();
      },
      undefined,
      () => {
        forgotten += 1;
      },
    );
    await onCheckpoint?.(inTurn);
    expect(forgotten).toBe(0);
    await onCheckpoint?.(betweenTurns);
    expect(forgotten).toBe(1);
    expect(saved).toEqual([inTurn, betweenTurns]);
  });

  it('hands the shared run its own sink when nothing else wants checkpoints', () => {
    const save = (): Promise<void> => Promise.resolve();
    expect(checkpointSinkOf(save, undefined).onCheckpoint).toBe(save);
    expect(checkpointSinkOf(undefined, undefined)).toEqual({});
  });
});
