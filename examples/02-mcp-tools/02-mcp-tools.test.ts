import { describe, expect, it, vi } from 'vitest';
import { textTurn } from 'ai-agent-gateway/testing';
import {
  chat,
  openSession,
  streamedText,
  useExampleLifecycle,
  userMessage,
} from '../__fixtures__/example-harness.js';

describe('example 02-mcp-tools', () => {
  const example = useExampleLifecycle();

  it('advertises the filesystem server tools and answers a real list_directory call', async () => {
    const upstream = await example.mockUpstream({
      anthropic: [
        {
          blocks: [{ type: 'tool_call', id: 'toolu_read', name: 'list_directory', input: { path: '.' } }],
        },
        textTurn('The folder holds notes.md and todo.txt.'),
      ],
    });
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', upstream.url);
    const { fileURLToPath } = await import('node:url');
    vi.stubEnv('MCP_FS_ROOT', fileURLToPath(new URL('./workspace/', import.meta.url)));
    const { default: app } = await import('./agent.js');
    const served = await example.serve(app);

    const { frames } = await chat(
      served.url,
      await openSession(served.url),
      userMessage('What is in the folder?'),
    );

    const advertised = (upstream.requests[0]?.body as { tools?: Array<{ name: string }> }).tools ?? [];
    expect(advertised.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['read_text_file', 'list_directory']),
    );
    const completion = frames.find(({ event }) => event.type === 'tool_call_complete')?.event;
    expect(completion).toMatchObject({
      type: 'tool_call_complete',
      tool_name: 'list_directory',
      server: 'filesystem',
    });
    expect(JSON.stringify(completion)).toContain('notes.md');
    expect(streamedText(frames)).toContain('notes.md and todo.txt');
    expect(frames.at(-1)?.event.type).toBe('stream_complete');
    upstream.assertAllConsumed();
  }, 180_000);
});
