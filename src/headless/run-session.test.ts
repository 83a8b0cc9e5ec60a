import { describe, expect, it } from 'vitest';
import type { RunResult } from '../agent/agent-runner-options.js';
import { EventLog } from '../agent/event-log.js';
import { silentLogger } from '../core/logger.js';
import { runSession } from './run-session.js';

/** A stand-in for the agent loop that settles as told (the test writes the event log itself). */
const fakeRun = (behaviour: (...args: unknown[]) => Promise<unknown>) =>
  behaviour as () => Promise<RunResult>;

describe('runSession', () => {
  it('turns an exception from the runner into "Name: message"', async () => {
    const eventLog = new EventLog();
    eventLog.append({ type: 'text_delta', text: 'partial' });
    const run = fakeRun(() => Promise.reject(new TypeError('cannot read x')));
    const output = await runSession({
      run,
      eventLog,
      initialMessage: 'go',
      timeoutMs: 5_000,
      logger: silentLogger,
    });
    expect(output.error).toBe('TypeError: cannot read x');
    expect(output.response).toBe('partial');
    expect(output.timedOut).toBe(false);
  });

  it('keeps the error event of the log over the exception', async () => {
    const eventLog = new EventLog();
    eventLog.append({ type: 'error', error: 'upstream said no' });
    const run = fakeRun(() => Promise.reject(new Error('later failure')));
    const output = await runSession({
      run,
      eventLog,
      initialMessage: 'go',
      timeoutMs: 5_000,
      logger: silentLogger,
    });
    expect(output.error).toBe('upstream said no');
  });

  it('hands the runner one user message, the prompt, the model and the turn limit', async () => {
    const eventLog = new EventLog();
    const received: unknown[] = [];
    const run = fakeRun((...args: unknown[]) => {
      received.push(...args);
      return Promise.resolve({ outcome: 'completed' });
    });
    await runSession({
      run,
      eventLog,
      initialMessage: 'Check it.',
      systemPrompt: 'Be brief.',
      model: 'm',
      maxTurns: 4,
      timeoutMs: 5_000,
    });
    expect(received).toEqual([
      {
        messages: [{ role: 'user', content: 'Check it.' }],
        systemPrompt: 'Be brief.',
        model: 'm',
        maxTurns: 4,
        signal: expect.any(AbortSignal) as unknown,
      },
    ]);
  });
});
