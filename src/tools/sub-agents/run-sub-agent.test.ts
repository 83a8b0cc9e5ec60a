import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentLoop } from '../../agent/create-agent-loop.js';
import { EventLog } from '../../agent/event-log.js';
import { silentLogger } from '../../core/logger.js';
import type { GatewayEvent } from '../../core/events.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { httpErrorTurn, textTurn, toolCallTurn } from '../../testing/scripted-turn.js';
import { createToolDispatcher } from '../tool-dispatcher.js';
import { pairTools } from '../pair-tools.js';
import {
  createTemporaryDirectory,
  toolContext,
  toolkitOptions,
  type TemporaryDirectory,
} from './__fixtures__/sub-agent-fixtures.js';
import { createSubAgentToolkit } from './create-sub-agent-toolkit.js';
import type { SubAgentResult } from './run-sub-agent.js';
import type { SubAgentToolkitOptions } from './sub-agent-toolkit-options.js';

describe('run_agent: running a sub-agent', () => {
  let skills: TemporaryDirectory;

  beforeEach(async () => {
    skills = await createTemporaryDirectory({
      'slow.md': '---\ntimeout: 0.05\n---\nYou take your time.',
      'brief.md': '---\nmax_turns: 1\n---\nYou are brief.',
    });
  });

  afterEach(async () => {
    await skills.remove();
  });

  const run = async (
    provider: ReturnType<typeof createScriptedProvider>,
    input: Record<string, unknown>,
    overrides: Partial<SubAgentToolkitOptions> = {},
  ): Promise<SubAgentResult> => {
    const toolkit = await createSubAgentToolkit(
      toolkitOptions(provider, { skillsDir: skills.path, ...overrides }),
    );
    try {
      return (await toolkit.handlers.run_agent(input, toolContext())) as SubAgentResult;
    } finally {
      await toolkit.close();
    }
  };

  it("falls back to the parent's fallback model and counts the usage under it", async () => {
    const provider = createScriptedProvider({ name: 'anthropic', turns: [httpErrorTurn(529)] });
    const backup = createScriptedProvider({
      name: 'openai',
      turns: [textTurn('Done on the backup.', { usage: { inputTokens: 10, outputTokens: 5 } })],
    });
    const result = await run(
      provider,
      { task: 'Do it.' },
      { fallback: [{ provider: backup, model: 'backup-model' }] },
    );
    expect(result.response).toBe('Done on the backup.');
    expect(Object.keys(result.usage.by_model ?? {})).toEqual(['backup-model']);
    provider.assertAllConsumed();
    backup.assertAllConsumed();
  });

  it('returns the final text, the tools used and the usage', async () => {
    const provider = createScriptedProvider({
      turns: [
        toolCallTurn(
          'echo',
          { text: 'hi' },
          { text: 'Checking. ', usage: { inputTokens: 1000, outputTokens: 100 } },
        ),
        textTurn('Found: hi', { usage: { inputTokens: 2000, outputTokens: 200 } }),
      ],
    });
    const result = await run(provider, { task: 'Echo hi and report.' });
    expect(result).toEqual({
      response: 'Checking. Found: hi',
      tools_used: ['echo'],
      usage: {
        input_tokens: 3000,
        output_tokens: 300,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        estimated_cost: 0.0135,
      },
    });
    provider.assertAllConsumed();
  });

  it("returns the partial text with a warning when the skill's timeout passes", async () => {
    const provider = createScriptedProvider({
      turns: [textTurn('partial findings so far', { stallAfterEvents: 4 })],
    });
    const result = await run(provider, { agent: 'slow', task: 't' });
    expect(result.response).toBe('partial findings so');
    expect(result.warning).toBe('Sub-agent timed out after 0.05s — partial results returned');
    expect(provider.signals[0]?.aborted).toBe(true);
  });

  it("stops at the skill's turn limit with the sub-agent notice and a warning", async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('echo', { text: 'x' }, { text: 'Looking.' })],
    });
    const result = await run(provider, { agent: 'brief', task: 't' });
    expect(result.response).toBe('Looking.\n\n[Sub-agent reached maximum turn limit]');
    expect(result.tools_used).toEqual(['echo']);
    expect(result.warning).toBe('Sub-agent stopped: max turns reached — partial results');
  });

  it('reports a provider failure as a warning, not as a failed tool call', async () => {
    const provider = createScriptedProvider({ turns: [httpErrorTurn(400, { message: 'bad request' })] });
    const result = await run(provider, { task: 't' });
    expect(result.response).toBe('');
    expect(result.warning).toMatch(/^Sub-agent error: .*bad request/);
  });

  it('reports an unknown model as a warning', async () => {
    const provider = createScriptedProvider({ models: ['scripted-model'] });
    const result = await run(provider, { task: 't', model: 'other-model' });
    expect(result.warning).toMatch(/^Sub-agent error: .*unknown model 'other-model'/);
  });

  it('discards the text of a failed attempt before a retry', async () => {
    const provider = createScriptedProvider({
      turns: [textTurn('stale words here', { cutAfterEvents: 3 }), textTurn('Fresh answer.')],
    });
    const result = await run(provider, { task: 't' });
    expect(result).toMatchObject({ response: 'Fresh answer.' });
    expect(result.warning).toBeUndefined();
  });

  it('cannot start sub-agents of its own, even if its tools offer run_agent', async () => {
    const events: GatewayEvent[] = [];
    const provider = createScriptedProvider({
      turns: [toolCallTurn('run_agent', { task: 'nested' }), textTurn('I cannot delegate.')],
    });
    const result = await run(
      provider,
      { task: 't' },
      {
        // A careless tool builder that forgot to leave the sub-agent tools out.
        buildSubAgentTools: () => {
          const dispatcher = createToolDispatcher({
            tools: pairTools({ run_agent: () => 'nested run' }, [
              { name: 'run_agent', description: 'x', input_schema: { type: 'object' } },
            ]),
          });
          return { executor: dispatcher, definitions: dispatcher.getToolDefinitions() };
        },
        onSubAgentEvent: (event) => void events.push(event),
      },
    );
    expect(provider.requests[0]?.tools).toEqual([]);
    const completed = events.find((event) => event.type === 'tool_call_complete');
    expect(completed).toMatchObject({ tool_name: 'run_agent', error: { code: 'tool_excluded' } });
    expect(result.response).toBe('I cannot delegate.');
  });

  it('sends its events to onSubAgentEvent with its session id, never to the parent stream', async () => {
    const provider = createScriptedProvider({
      turns: [
        toolCallTurn('run_agent', { task: 'Say the secret.' }),
        textTurn('sub-agent secret words'),
        textTurn('Parent done.'),
      ],
    });
    const observed: Array<[string, string]> = [];
    const toolkit = await createSubAgentToolkit(
      toolkitOptions(provider, {
        parentSessionId: 'abcdefghijklmnopqrstuvwxyz',
        onSubAgentEvent: (event, subSessionId) => void observed.push([subSessionId, event.type]),
      }),
    );
    const dispatcher = createToolDispatcher({ tools: pairTools(toolkit.handlers, toolkit.definitions) });
    const eventLog = new EventLog();
    const loop = createAgentLoop({ provider, model: 'scripted-model', logger: silentLogger });
    const result = await loop.run({
      tools: dispatcher,
      eventLog,
      sessionId: 'abcdefghijklmnopqrstuvwxyz',
      getToolDefinitions: () => dispatcher.getToolDefinitions(),
      messages: [{ role: 'user', content: 'go' }],
    });
    await toolkit.close();

    expect(result.outcome).toBe('completed');
    expect(observed).toContainEqual(['sub0:abcdefghijkl', 'text_delta']);
    expect(observed.at(-1)).toEqual(['sub0:abcdefghijkl', 'stream_complete']);
    const parentEvents = eventLog.entries().map((entry) => entry.event);
    expect(parentEvents.filter((event) => event.type === 'stream_complete')).toHaveLength(1);
    const parentText = parentEvents
      .flatMap((event) => (event.type === 'text_delta' ? [event.text] : []))
      .join('');
    expect(parentText).toBe('Parent done.');
    const toolResult = parentEvents.find((event) => event.type === 'tool_call_complete');
    expect(toolResult).toMatchObject({ result: { response: 'sub-agent secret words', tools_used: [] } });
    provider.assertAllConsumed();
  });
});
