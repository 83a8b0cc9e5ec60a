import { describe, expect, it, vi } from 'vitest';
import { textTurn, toolCallTurn } from 'ai-agent-gateway/testing';
import {
  chat,
  openSession,
  streamedText,
  useExampleLifecycle,
  userMessage,
} from '../__fixtures__/example-harness.js';

interface RecordedBody {
  system?: unknown;
  tools?: Array<{ name: string; description: string }>;
}

describe('example 05-skills', () => {
  const example = useExampleLifecycle();

  it('delegates to the researcher and the summarizer and streams only their reports', async () => {
    const upstream = await example.mockUpstream({
      anthropic: [
        toolCallTurn('run_agent', { agent: 'researcher', task: 'Find the tallest mountain in Africa.' }),
        textTurn('Kilimanjaro, 5,895 m (sub-agent research text).'),
        toolCallTurn('run_agent', { agent: 'summarizer', task: 'Summarise: Kilimanjaro, 5,895 m.' }),
        textTurn('- Kilimanjaro: 5,895 m'),
        textTurn('The tallest mountain in Africa is Kilimanjaro (5,895 m).'),
      ],
    });
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', upstream.url);
    const { default: app } = await import('./agent.js');
    const served = await example.serve(app);

    const { frames } = await chat(
      served.url,
      await openSession(served.url),
      userMessage('Tallest in Africa?'),
    );
    const completions = frames.flatMap(({ event }) => (event.type === 'tool_call_complete' ? [event] : []));

    expect(completions).toMatchObject([
      {
        tool_name: 'run_agent',
        error: null,
        result: { response: 'Kilimanjaro, 5,895 m (sub-agent research text).' },
      },
      { tool_name: 'run_agent', error: null, result: { response: '- Kilimanjaro: 5,895 m' } },
    ]);
    // The sub-agents' text reached the parent as tool results, never as chat text.
    expect(streamedText(frames)).toBe('The tallest mountain in Africa is Kilimanjaro (5,895 m).');
    expect(frames.filter(({ event }) => event.type === 'stream_complete')).toHaveLength(1);

    const bodies = upstream.requests.map((request) => request.body as RecordedBody);
    const parentTools = bodies[0]?.tools ?? [];
    expect(parentTools.map((definition) => definition.name)).toEqual(['run_agent', 'get_background_result']);
    expect(parentTools[0]?.description).toContain('Available agents: researcher, summarizer.');
    expect(JSON.stringify(bodies[1]?.system)).toContain('You are a careful researcher.');
    expect(JSON.stringify(bodies[3]?.system)).toContain('You are a summarizer.');
    expect(bodies[1]?.tools ?? []).toEqual([]);
    upstream.assertAllConsumed();
  });
});
