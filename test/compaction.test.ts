import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentLoop } from '../src/agent/create-agent-loop.js';
import { EventLog } from '../src/agent/event-log.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { compactionTurn, textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { z } from 'zod';
import { createToolDispatcher } from '../src/tools/tool-dispatcher.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

interface OpenAiBody {
  tools?: unknown[];
  messages: Array<{ role: string; content?: unknown; tool_call_id?: string }>;
}

interface RecordedBody {
  context_management?: unknown;
  messages: Array<{ role: string; content: unknown }>;
}

describe('context compaction on Anthropic (server-side, through the official SDK)', () => {
  it('asks for compaction with the edit and the beta flag, keeps the block and sends it back in order', async () => {
    const summary = 'The user asked for the weather in Nantes; it is clear.';
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [compactionTurn(summary), textTurn('Still clear.')],
      agent: { compaction: { trigger: 100_000, instructions: 'Keep every city named.' } },
    });
    const session = await gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'And now?')));

    expect(events.map((event) => event.type)).toEqual([
      'compaction',
      'text_delta',
      'text_delta',
      'stream_complete',
    ]);
    expect(events[0]).toEqual({ type: 'compaction', chars: summary.length });
    expect(upstream.requests).toHaveLength(2);
    for (const request of upstream.requests) {
      expect(String(request.headers['anthropic-beta'])).toContain('compact-2026-01-12');
      expect((request.body as RecordedBody).context_management).toEqual({
        edits: [
          {
            type: 'compact_20260112',
            trigger: { type: 'input_tokens', value: 100_000 },
            instructions: 'Keep every city named.',
          },
        ],
      });
    }
    // The run went on after the `compaction` stop reason, with the block in the history.
    expect((upstream.requests[1]?.body as RecordedBody).messages).toEqual([
      { role: 'user', content: 'And now?' },
      {
        role: 'assistant',
        content: [{ type: 'compaction', content: summary, encrypted_content: 'enc_mock' }],
      },
    ]);
  });

  it('records the compaction in the session transcript', async () => {
    const transcriptDir = await mkdtemp(join(tmpdir(), 'compaction-transcript-'));
    cleanup.add(transcriptDir, (directory) => rm(directory, { recursive: true, force: true }));
    const { gateway } = await startMockAgent(cleanup, {
      turns: [compactionTurn('Short summary.'), textTurn('Go on.')],
      agent: { compaction: { trigger: 100_000 }, server: { transcriptDir } },
    });
    const session = await gateway.openSession();
    await readAllSseFrames(await gateway.chat(session.token, 'Continue'));
    await gateway.close();
    const lines = (await readFile(join(transcriptDir, `${session.sessionId}.jsonl`), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; chars?: number });
    expect(lines.find((line) => line.type === 'compaction')).toMatchObject({
      chars: 'Short summary.'.length,
    });
  });

  it('keeps a compaction block before the text of the same turn', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [
        {
          blocks: [
            { type: 'compaction', summary: 'Earlier: greetings.' },
            { type: 'text', text: 'Hello again.' },
          ],
        },
      ],
      agent: { compaction: { trigger: 50_000 } },
    });
    const session = await gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'Hi')));
    expect(events[0]).toEqual({ type: 'compaction', chars: 'Earlier: greetings.'.length });
    expect(events.at(-1)?.type).toBe('stream_complete');
  });

  it('sends the plain endpoint and no edit when compaction is off', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, { turns: [textTurn('Hi.')] });
    const session = await gateway.openSession();
    await readAllSseFrames(await gateway.chat(session.token, 'Hi'));
    const request = upstream.requests[0];
    expect(request?.headers['anthropic-beta']).toBeUndefined();
    expect((request?.body as RecordedBody).context_management).toBeUndefined();
  });
});

describe('compaction options', () => {
  it('refuses a group without a trigger, a bad trigger, and a provider without compaction', () => {
    expect(() =>
      createAgent({ systemPrompt: 'x', compaction: { instructions: 'Keep names.' } } as never),
    ).toThrow(/^createAgent: compaction\.trigger: /);
    expect(() => createAgent({ systemPrompt: 'x', compaction: { trigger: -5 } })).toThrow(
      /compaction\.trigger/,
    );
    expect(() => createAgent({ systemPrompt: 'x', compaction: { trigger: 2.5 } })).toThrow(
      /compaction\.trigger/,
    );
    expect(() => createAgent({ systemPrompt: 'x', compaction: { trigger: 20_000 } })).toThrow(
      "createAgent: compaction.trigger: 20000 is below the anthropic provider's minimum of 50000 input tokens",
    );
    // Client-side compaction has no minimum, on Anthropic too.
    expect(() =>
      createAgent({ systemPrompt: 'x', compaction: { trigger: 20_000, mode: 'client' } }),
    ).not.toThrow();
    expect(() =>
      createAgent({ systemPrompt: 'x', compaction: { trigger: 80_000, instructions: 42 } } as never),
    ).toThrow(/compaction\.instructions/);
    expect(() =>
      createAgent({
        systemPrompt: 'x',
        provider: 'openai',
        apiKey: 'sk-test',
        compaction: { trigger: 80_000, mode: 'server' },
      }),
    ).toThrow(
      /compaction\.mode: 'server' needs server-side compaction, which the openai provider does not have/,
    );
    expect(() =>
      createAgent({ systemPrompt: 'x', compaction: { trigger: 80_000, model: 'claude-haiku-4-5' } }),
    ).toThrow(/compaction\.model: applies to mode: 'client' only/);
  });

  it('points the options of 0.1.0 to the compaction group', () => {
    expect(() => createAgent({ systemPrompt: 'x', compactionTrigger: 80_000 } as never)).toThrow(
      "createAgent: option 'compactionTrigger' was replaced: use 'compaction.trigger'",
    );
    expect(() => createAgent({ systemPrompt: 'x', compactionInstructions: 'Keep names.' } as never)).toThrow(
      "option 'compactionInstructions' was replaced: use 'compaction.instructions'",
    );
    expect(() => createAgent({ systemPrompt: 'x', compactionModel: 'gpt-4o' } as never)).toThrow(
      "option 'compactionModel' was replaced: use 'compaction.model'",
    );
    expect(() => createAgent({ systemPrompt: 'x', compaction: 'client' } as never)).toThrow(
      "createAgent: compaction: must be an object { trigger, mode, instructions, model } (compaction: 'client' is now",
    );
  });
});

describe('client-side compaction (OpenAI, through the official SDK)', () => {
  it('summarises the older turns once the input passes the trigger, keeps tool pairs whole, and counts the summary', async () => {
    const lookup = tool({
      name: 'lookup',
      description: 'Looks something up',
      inputSchema: z.object({ key: z.string() }),
      execute: ({ key }) => ({ key, value: key.length }),
    });
    const { upstream, gateway } = await startMockAgent(cleanup, {
      flavor: 'openai',
      turns: [
        toolCallTurn(
          'lookup',
          { key: 'alpha' },
          { id: 'call_1', usage: { inputTokens: 900, outputTokens: 5 } },
        ),
        toolCallTurn(
          'lookup',
          { key: 'beta' },
          { id: 'call_2', usage: { inputTokens: 1_500, outputTokens: 5 } },
        ),
        { ...textTurn('Summary: alpha is 5.'), usage: { inputTokens: 700, outputTokens: 40 } },
        { ...textTurn('Both looked up.'), usage: { inputTokens: 300, outputTokens: 4 } },
      ],
      agent: {
        model: 'gpt-4o',
        tools: [lookup],
        compaction: { trigger: 1_000, instructions: 'Keep every key.' },
      },
    });
    const session = await gateway.openSession();
    const events = eventsOf(
      await readAllSseFrames(await gateway.chat(session.token, 'Look up alpha and beta')),
    );

    expect(events.filter((event) => event.type === 'compaction')).toEqual([
      { type: 'compaction', chars: 'Summary: alpha is 5.'.length },
    ]);
    // The summary text is not streamed to the client as the answer.
    expect(
      events
        .filter((event) => event.type === 'text_delta')
        .map((event) => (event.type === 'text_delta' ? event.text : ''))
        .join(''),
    ).toBe('Both looked up.');
    const bodies = upstream.requests.map((request) => request.body as OpenAiBody);
    expect(bodies).toHaveLength(4);
    // The summary call: no tools, the instructions, the older turns as a transcript.
    expect(bodies[2]?.tools).toBeUndefined();
    expect(JSON.stringify(bodies[2]?.messages)).toContain('Keep every key.');
    expect(JSON.stringify(bodies[2]?.messages)).toContain('[tool call lookup {\\"key\\":\\"alpha\\"}]');
    // The next turn starts from the summary and keeps the last tool call with its result.
    const next = bodies[3]?.messages ?? [];
    expect(next.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(String(next[1]?.content)).toBe('[Summary of the earlier conversation]\nSummary: alpha is 5.');
    expect(JSON.stringify(next[2])).toContain('call_2');
    expect(next[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_2' });
    // The summary's tokens count toward the run's usage.
    expect(events.at(-1)).toMatchObject({
      type: 'stream_complete',
      usage: { input_tokens: 900 + 1_500 + 700 + 300, output_tokens: 5 + 5 + 40 + 4 },
    });
  });
});

describe('the turn after a compaction', () => {
  const runWith = async (reminder: string | undefined) => {
    const provider = createScriptedProvider({
      turns: [compactionTurn('Summary so far.'), textTurn('Done.')],
    });
    const loop = createAgentLoop({
      provider,
      model: 'claude-sonnet-4-6',
      compaction: { trigger: 60_000 },
    });
    const result = await loop.run({
      tools: createToolDispatcher({}),
      eventLog: new EventLog(),
      sessionId: 'sess_compaction',
      backgroundTasksReminder: () => reminder,
      messages: [{ role: 'user', content: 'Go on.' }],
      systemPrompt: 'You are a careful agent.',
    });
    return { result, requests: provider.requests };
  };

  it('reminds the model of the background tasks still running', async () => {
    const { result, requests } = await runWith('[Background tasks active: bg_0 (researcher, running, 12s)]');
    expect(result.outcome).toBe('completed');
    expect(requests.map((request) => request.system)).toEqual([
      'You are a careful agent.',
      'You are a careful agent.\n\n[Background tasks active: bg_0 (researcher, running, 12s)]',
    ]);
    expect(requests.every((request) => request.compaction?.trigger === 60_000)).toBe(true);
  });

  it('leaves the system prompt alone when no background task runs', async () => {
    const { requests } = await runWith(undefined);
    expect(requests.map((request) => request.system)).toEqual([
      'You are a careful agent.',
      'You are a careful agent.',
    ]);
  });
});
