import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn } from '../testing/scripted-turn.js';
import { createFakeToolExecutor } from './__fixtures__/fake-tool-executor.js';
import { EventLog } from './event-log.js';
import { runAgent, type RunAgentOptions } from './run-agent.js';

const settings = (eventLog: EventLog, overrides: Partial<RunAgentOptions> = {}): RunAgentOptions => ({
  provider: createScriptedProvider({ turns: [textTurn('first answer'), textTurn('second answer')] }),
  tools: createFakeToolExecutor(),
  eventLog,
  sessionId: 'sess_run_agent',
  model: 'scripted-model',
  logger: silentLogger,
  messages: [{ role: 'user', content: 'Hello' }],
  ...overrides,
});

describe('runAgent', () => {
  it('runs the loop once and resolves with the extended history, ending the log with stream_complete', async () => {
    const eventLog = new EventLog();
    const result = await runAgent({ ...settings(eventLog), systemPrompt: 'Be brief.' });
    expect(result.outcome).toBe('completed');
    expect(result.messages.at(-1)).toMatchObject({ role: 'assistant' });
    expect(eventLog.entries().at(-1)?.event.type).toBe('stream_complete');
  });

  it('can be called again with the same settings and a fresh event log (no single-use object)', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('one'), textTurn('two')] });
    const first = await runAgent(settings(new EventLog(), { provider }));
    const secondLog = new EventLog();
    const second = await runAgent(settings(secondLog, { provider, messages: first.messages }));
    expect(second.outcome).toBe('completed');
    const text = secondLog
      .entries()
      .flatMap(({ event }) => (event.type === 'text_delta' ? [event.text] : []))
      .join('');
    expect(text).toBe('two');
  });

  it('rejects bad settings with invalid_option before calling the provider', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('never')] });
    await expect(runAgent(settings(new EventLog(), { provider, maxTurns: 0 }))).rejects.toMatchObject({
      code: 'invalid_option',
    });
    expect(provider.requests).toHaveLength(0);
  });

  it('stops at once when the signal is already aborted', async () => {
    const eventLog = new EventLog();
    const result = await runAgent({ ...settings(eventLog), signal: AbortSignal.abort() });
    expect(result.outcome).toBe('aborted');
    expect(eventLog.entries()).toEqual([]);
  });
});
