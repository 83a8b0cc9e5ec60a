import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../stores/memory/create-memory-stores.js';
import { createMemorySlotCounter } from '../../stores/memory/memory-slot-counter.js';
import { createHttpLimits } from '../rate-limit/create-http-limits.js';
import { ChatRunLifecycle } from './chat-run.js';
import { createRunCaps } from './run-caps.js';
import { createRunRegistry } from './run-registry.js';
import { followDetachedRun, registerRun } from './register-run.js';

const report = (): void => undefined;

/** A launched run whose runner returns when the test says. */
const launchedRun = (sessionId: string): { run: ChatRunLifecycle; end: () => Promise<void> } => {
  const run = new ChatRunLifecycle({ runId: '0123456789ab', sessionId, report });
  run.openLog(0);
  let endRunner: () => void = () => undefined;
  run.launch({
    execute: () => new Promise<void>((resolve) => (endRunner = resolve)),
    release: () => Promise.resolve(),
  });
  return {
    run,
    end: async () => {
      endRunner();
      await run.done;
    },
  };
};

const dependenciesOf = (tokens: number) => {
  const limits = createHttpLimits({
    tokenBudget: { tokens, windowMs: 60_000 },
    sessionRateLimit: { sessions: 100, windowMs: 60_000 },
  });
  const caps = createRunCaps({
    runs: createMemorySlotCounter(),
    pendingAnswers: createMemorySlotCounter(),
    maxRunsPerApiKey: 10,
    maxPendingAnswersPerApiKey: 10,
    maxPendingAnswersPerSession: 10,
    report,
  });
  return { runs: createRunRegistry(), stores: createMemoryStores(), shared: false, limits, caps, report };
};

describe('registerRun', () => {
  it("charges the run's tokens to its API key once the run ended, not before", async () => {
    const dependencies = dependenciesOf(10);
    const { run, end } = launchedRun('sess_a');
    expect(registerRun(run, 'key-hash', dependencies)).toBeUndefined();
    expect(dependencies.runs.active('sess_a')).toBe(run);
    run.eventLog.append({
      type: 'stream_complete',
      usage: {
        input_tokens: 6,
        output_tokens: 5,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        estimated_cost: 0,
      },
    });
    await expect(dependencies.limits.checkTokenBudget('key-hash')).resolves.toBeUndefined();
    await end();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(dependencies.limits.checkTokenBudget('key-hash')).rejects.toThrow(/Token budget exhausted/);
    expect(dependencies.runs.active('sess_a')).toBeUndefined();
  });

  it('keeps a detached run going when its last client follower leaves', async () => {
    const dependencies = { ...dependenciesOf(1_000), runs: createRunRegistry({ disconnectGraceMs: 0 }) };
    const { run, end } = launchedRun('sess_b');
    expect(registerRun(run, 'key-hash', dependencies)).toBeUndefined();
    followDetachedRun(run, dependencies.runs);
    dependencies.runs.follow(run)();
    expect(run.eventLog.finished).toBe(false);
    expect(run.signal.aborted).toBe(false);
    await end();
  });
});
