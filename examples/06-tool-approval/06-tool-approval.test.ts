import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { textTurn, toolCallTurn, type MockUpstream } from 'ai-agent-gateway/testing';
import {
  chat,
  openSession,
  type ServedExample,
  streamedText,
  useExampleLifecycle,
  userMessage,
} from '../__fixtures__/example-harness.js';
import { runApprovalClient } from './client.js';

describe('example 06-tool-approval', () => {
  let notesDirectory = '';

  beforeEach(async () => {
    notesDirectory = await mkdtemp(join(tmpdir(), 'example-06-'));
    vi.stubEnv('NOTES_DIR', notesDirectory);
    vi.spyOn(console, 'log').mockImplementation(() => undefined); // the agent's startup notice
  });

  afterEach(async () => {
    await rm(notesDirectory, { recursive: true, force: true });
  });
  // Registered after the notes folder's hooks: what it serves is closed before the folder goes.
  const example = useExampleLifecycle();

  const serveAgainstUpstream = async (): Promise<{ served: ServedExample; upstream: MockUpstream }> => {
    const upstream = await example.mockUpstream({
      anthropic: [
        toolCallTurn('write_note', { filename: 'todo.txt', content: 'buy milk' }, { id: 'toolu_note' }),
        textTurn('Done.'),
      ],
    });
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', upstream.url);
    const { default: app } = await import('./agent.js');
    return { served: await example.serve(app), upstream };
  };

  it('answers with the stub reply when no API key is configured', async () => {
    const { default: app } = await import('./agent.js');
    const served = await example.serve(app);
    const { frames } = await chat(served.url, await openSession(served.url), userMessage('Save a note'));
    expect(streamedText(frames)).toContain('Stub response (no Anthropic credential configured)');
  });

  it('writes the note once the client approves the request', async () => {
    const { served } = await serveAgainstUpstream();
    const seen: string[] = [];

    const events = await runApprovalClient({
      baseUrl: served.url,
      message: 'Save a note called todo.txt saying: buy milk',
      onEvent: (event) => seen.push(event.type),
    });

    const types = events.map((event) => event.type);
    expect(types.indexOf('tool_approval_request')).toBeGreaterThan(types.indexOf('tool_call_start'));
    expect(types.indexOf('tool_call_complete')).toBeGreaterThan(types.indexOf('tool_approval_request'));
    expect(types.at(-1)).toBe('stream_complete');
    expect(seen).toEqual(types);
    expect(events.find((event) => event.type === 'tool_approval_request')).toMatchObject({
      tool_call_id: 'toolu_note',
      tool_name: 'write_note',
      tool_input: { filename: 'todo.txt', content: 'buy milk' },
    });
    expect(events.find((event) => event.type === 'tool_call_complete')).toMatchObject({ error: null });
    expect(await readFile(join(notesDirectory, 'approved_notes', 'todo.txt'), 'utf8')).toBe('buy milk');
  });

  it('writes nothing when the client denies the request, and the model reads the denial', async () => {
    const { served, upstream } = await serveAgainstUpstream();

    const events = await runApprovalClient({
      baseUrl: served.url,
      message: 'Save a note',
      decide: () => false,
      onEvent: () => undefined,
    });

    expect(events.find((event) => event.type === 'tool_call_complete')).toMatchObject({
      error: { code: 'user_denied' },
    });
    expect(events.at(-1)?.type).toBe('stream_complete');
    expect(existsSync(join(notesDirectory, 'approved_notes', 'todo.txt'))).toBe(false);
    expect(JSON.stringify(upstream.requests[1]?.body)).toContain('user_denied');
  });
});
