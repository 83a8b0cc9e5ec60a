import { describe, expect, it } from 'vitest';
import type { RunResult } from '../agent/agent-loop-input.js';
import { EventLog } from '../agent/event-log.js';
import { silentLogger } from '../core/logger.js';
import { runSession } from './run-session.js';

/** A stand-in for the agent loop that settles as told (the test writes the event log itself). */
const fakeRun = (behaviour: (...args: unknown[]) => Promise<unknown>) =>
  behaviour as () => Promise<RunResult>;

describe('runSession', () => {
  it("checks its options: 0.1.0's runner and timeoutSeconds are named with their replacements", async () => {
    const legacy = {
      runner: { run: () => Promise.resolve() },
      eventLog: new EventLog(),
      initialMessage: 'go',
      timeoutSeconds: 30,
    };
    await expect(runSession(legacy as never)).rejects.toMatchObject({
      code: 'invalid_option',
      message:
        'runSession: run: must be a function (input) => runAgent({ ...settings, ...input }); ' +
        'timeoutMs: Invalid input: expected number, received undefined; ' +
        "option 'runner' was replaced: use 'run': a function (input) => runAgent({ ...settings, ...input }); " +
        "option 'timeoutSeconds' was replaced: use 'timeoutMs' (milliseconds)",
    });
    const run = fakeRun(() => Promise.resolve({ outcome: 'completed' }));
    await expect(
      runSession({
        run,
        eventLog: new EventLog(),
        initialMessage: 'go',
        timeoutMs: 5_000,
        maxTurn: 3,
      } as never),
    ).rejects.toThrow("runSession: unknown option 'maxTurn' — did you mean 'maxTurns'?");
    await expect(runSession('go' as never)).rejects.toThrow(
      /^runSession: takes one options object, got a string: runSession\(\{ run:/,
    );
  });

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
