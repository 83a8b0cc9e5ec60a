import { describe, expect, it } from 'vitest';
import type { AgentRunner } from '../agent/agent-runner.js';
import { EventLog } from '../agent/event-log.js';
import { silentLogger } from '../core/logger.js';
import { runSession } from './run-session.js';

/** A stand-in runner whose run() settles as told (the test writes the event log itself). */
const fakeRunner = (behaviour: (...args: unknown[]) => Promise<unknown>): AgentRunner =>
  ({ run: behaviour }) as unknown as AgentRunner;

describe('runSession', () => {
  it('turns an exception from the runner into "Name: message"', async () => {
    const eventLog = new EventLog();
    eventLog.append({ type: 'text_delta', text: 'partial' });
    const runner = fakeRunner(() => Promise.reject(new TypeError('cannot read x')));
    const output = await runSession({
      runner,
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
    const runner = fakeRunner(() => Promise.reject(new Error('later failure')));
    const output = await runSession({
      runner,
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
    const runner = fakeRunner((...args: unknown[]) => {
      received.push(...args);
      return Promise.resolve({ outcome: 'completed' });
    });
    await runSession({
      runner,
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
