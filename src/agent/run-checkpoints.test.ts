import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/logger.js';
import type { RunCheckpoint } from '../core/run-takeover.js';
import { createCheckpointWriter } from './run-checkpoints.js';

const tokens = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0 };
const checkpointAt = (turns: number): RunCheckpoint => ({
  messages: [{ role: 'user', content: 'go' }],
  turns,
  tokens,
});

/** A logger that keeps its warnings. */
function warningsLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return {
    warnings,
    logger: { debug: ignore, info: ignore, error: ignore, warn: (message) => warnings.push(message) },
  };
}

describe('the checkpoint writer', () => {
  it('hands a checkpoint to a sink that keeps it in memory at once, with nothing to wait for', async () => {
    const kept: number[] = [];
    const writer = createCheckpointWriter((checkpoint) => {
      kept.push(checkpoint.turns);
    }, warningsLogger().logger);
    const saved = writer?.save(checkpointAt(1), new AbortController().signal);
    expect(kept).toEqual([1]);
    await saved;
  });

  it('keeps the order of the checkpoints while a slow write is under way', async () => {
    const kept: number[] = [];
    let release = (): void => undefined;
    const writer = createCheckpointWriter((checkpoint) => {
      if (checkpoint.turns === 1) {
        return new Promise<void>((resolve) => {
          release = () => {
            kept.push(1);
            resolve();
          };
        });
      }
      kept.push(checkpoint.turns);
      return undefined;
    }, warningsLogger().logger);
    const signal = new AbortController().signal;
    const first = writer?.save(checkpointAt(1), signal);
    const second = writer?.save(checkpointAt(2), signal);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(kept).toEqual([]);
    release();
    await Promise.all([first, second]);
    expect(kept).toEqual([1, 2]);
    // Once the queue is empty, the next one goes at once again.
    void writer?.save(checkpointAt(3), signal);
    expect(kept).toEqual([1, 2, 3]);
  });

  it('logs a sink that throws or rejects, and goes on with the next checkpoint', async () => {
    const { logger, warnings } = warningsLogger();
    const kept: number[] = [];
    const writer = createCheckpointWriter((checkpoint) => {
      if (checkpoint.turns === 1) throw new Error('store down');
      if (checkpoint.turns === 2) return Promise.reject(new Error('store still down'));
      kept.push(checkpoint.turns);
      return undefined;
    }, logger);
    const signal = new AbortController().signal;
    await writer?.save(checkpointAt(1), signal);
    await writer?.save(checkpointAt(2), signal);
    await writer?.save(checkpointAt(3), signal);
    expect(warnings).toEqual(['saving a run checkpoint failed', 'saving a run checkpoint failed']);
    expect(kept).toEqual([3]);
  });

  it('does not hold up a cancelled run for a write under way', async () => {
    const writer = createCheckpointWriter(() => new Promise<void>(() => undefined), warningsLogger().logger);
    const controller = new AbortController();
    const saved = writer?.save(checkpointAt(1), controller.signal);
    controller.abort();
    await expect(saved).resolves.toBeUndefined();
  });
});
