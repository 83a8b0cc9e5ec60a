import { afterEach, describe, expect, it } from 'vitest';
import { createAgentLoop } from '../src/agent/create-agent-loop.js';
import { EventLog } from '../src/agent/event-log.js';
import { silentLogger } from '../src/core/logger.js';
import { createAnthropicProvider } from '../src/providers/anthropic/anthropic-provider.js';
import { COMPACTION_SUMMARY_HEADER } from '../src/providers/normalize-history.js';
import { createOpenAIProvider } from '../src/providers/openai/openai-provider.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { compactionTurn, httpErrorTurn, textTurn } from '../src/testing/scripted-turn.js';
import { toolsOf } from '../src/tools/__fixtures__/dispatch-fixtures.js';
import { createToolDispatcher } from '../src/tools/tool-dispatcher.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const lookupDefinition = {
  name: 'lookup',
  description: 'Looks a city up',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
};

describe('one run across providers', () => {
  it('carries a tool conversation from Anthropic to OpenAI and back, never sending a block to the wrong API', async () => {
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [
          // The context is compacted by Anthropic, which then thinks and calls a tool.
          compactionTurn('The user asked about Oslo and Bergen earlier.'),
          {
            blocks: [
              { type: 'thinking', text: 'I should look Oslo up.', signature: 'sig-anthropic-1' },
              { type: 'tool_call', id: 'toolu_anthropic_1', name: 'lookup', input: { city: 'Oslo' } },
            ],
          },
          // The next turn meets an overload: OpenAI takes it.
          httpErrorTurn(529, { message: 'Overloaded' }),
          // The one after is Anthropic's again.
          textTurn('Oslo is 700 000 people and Bergen 290 000.'),
        ],
        openai: [
          { blocks: [{ type: 'tool_call', id: 'call_openai_1', name: 'lookup', input: { city: 'Bergen' } }] },
        ],
      }),
      (server) => server.close(),
    );
    const openai = createOpenAIProvider({ apiKey: 'test-key', baseURL: upstream.openaiBaseURL });
    const loop = createAgentLoop({
      provider: createAnthropicProvider({ apiKey: 'test-key', baseURL: upstream.url }),
      model: 'claude-sonnet-4-6',
      fallback: [{ provider: openai, model: 'gpt-4o' }],
      compaction: { trigger: 50_000, mode: 'server' },
      logger: silentLogger,
    });
    const tools = createToolDispatcher({
      tools: toolsOf({ lookup: (input) => ({ city: input['city'], population: 1 }) }, [lookupDefinition]),
    });
    const eventLog = new EventLog();
    const result = await loop.run({
      messages: [{ role: 'user', content: 'How many people live in Oslo and Bergen?' }],
      eventLog,
      sessionId: 'mixed',
      tools,
      getToolDefinitions: () => tools.getToolDefinitions(),
    });

    expect(result.outcome).toBe('completed');
    expect(eventLog.entries().filter(({ event }) => event.type === 'model_fallback')).toHaveLength(1);
    // Each assistant turn names the model that wrote it.
    expect(
      result.messages.flatMap((message) =>
        message.role === 'assistant' ? [`${message.provider}/${message.model}`] : [],
      ),
    ).toEqual([
      'anthropic/claude-sonnet-4-6',
      'anthropic/claude-sonnet-4-6',
      'openai/gpt-4o',
      'anthropic/claude-sonnet-4-6',
    ]);

    const [openaiRequest] = upstream.requests.filter((request) => request.flavor === 'openai');
    const openaiBody = JSON.stringify(openaiRequest?.body);
    // Anthropic's thinking (and its signature) and compaction blocks never reach OpenAI...
    expect(openaiBody).not.toMatch(/"type":"(thinking|redacted_thinking|compaction)"/);
    expect(openaiBody).not.toContain('sig-anthropic-1');
    // ...their content does, as text: the summary and the reasoning; the tool call and result too.
    expect(openaiBody).toContain(COMPACTION_SUMMARY_HEADER);
    expect(openaiBody).toContain('The user asked about Oslo and Bergen earlier.');
    expect(openaiBody).toContain('I should look Oslo up.');
    const openaiMessages = (openaiRequest?.body as { messages: { role: string; tool_calls?: unknown[] }[] })
      .messages;
    expect(openaiMessages.map((message) => message.role)).toEqual(['user', 'assistant', 'assistant', 'tool']);
    expect(openaiMessages.find((message) => message.tool_calls !== undefined)?.tool_calls).toEqual([
      expect.objectContaining({ function: { name: 'lookup', arguments: '{"city":"Oslo"}' } }),
    ]);

    // Back on Anthropic: its own thinking and compaction blocks return to it, signed, and
    // OpenAI's tool call arrives as a tool_use with its result.
    const lastAnthropic = upstream.requests.filter((request) => request.flavor === 'anthropic').at(-1);
    const anthropicMessages = (lastAnthropic?.body as { messages: { role: string; content: unknown }[] })
      .messages;
    const blocks = anthropicMessages.flatMap((message) =>
      Array.isArray(message.content) ? (message.content as { type: string }[]) : [],
    );
    expect(blocks.map((block) => block.type)).toEqual([
      'compaction',
      'thinking',
      'tool_use',
      'tool_result',
      'tool_use',
      'tool_result',
    ]);
    expect(blocks[1]).toMatchObject({ type: 'thinking', signature: 'sig-anthropic-1' });
    expect(blocks[4]).toMatchObject({ type: 'tool_use', name: 'lookup', input: { city: 'Bergen' } });
    expect(JSON.stringify(anthropicMessages)).not.toMatch(/tool_calls|"role":"tool"/);
    upstream.assertAllConsumed();
  });
});
