import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { textTurn, toolCallTurn } from 'ai-agent-gateway/testing';
import {
  chat,
  openSession,
  type ServedExample,
  streamedText,
  userMessage,
  useExampleLifecycle,
} from '../__fixtures__/example-harness.js';

describe('example 07-full-production', () => {
  let dataDirectory = '';

  beforeEach(async () => {
    dataDirectory = await mkdtemp(join(tmpdir(), 'example-07-'));
    vi.stubEnv('DATA_DIR', dataDirectory);
  });

  afterEach(async () => {
    await rm(dataDirectory, { recursive: true, force: true });
  });
  // Registered after the data folder's hooks: what it serves is closed before the folder goes.
  const example = useExampleLifecycle();

  const serve = async (): Promise<ServedExample> => {
    const { default: app } = await import('./agent.js');
    return example.serve(app);
  };

  it('opens sessions only for the allowed API key', async () => {
    const served = await serve();
    const init = (apiKey: string) =>
      fetch(`${served.url}/api/chat/init`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ api_key: apiKey }),
      });

    const refused = await init('wrong-key');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ detail: 'Invalid API key' });

    const accepted = await init('demo-key');
    expect(accepted.status).toBe(200);
    const body = (await accepted.json()) as { expires_at: number };
    // sessionTtlMs is two hours
    expect(body.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(3600);
  });

  it('refuses a model outside the allow-list and serves the allowed one with the stub reply', async () => {
    const served = await serve();
    const token = await openSession(served.url, 'demo-key');

    const refused = await chat(served.url, token, { ...userMessage('Hi'), model: 'claude-opus-4-6' });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toEqual({
      detail: expect.stringMatching(/^Invalid model: claude-opus-4-6 \(allowed: /) as string,
    });

    const accepted = await chat(served.url, token, {
      ...userMessage('Hi'),
      model: 'claude-sonnet-4-6',
      context: { channel: 'web' },
    });
    expect(accepted.status).toBe(200);
    expect(streamedText(accepted.frames)).toBe(
      'Stub response (no Anthropic credential configured). You asked: Hi ',
    );
  });

  it('asks for approval before write_report, and logs events and transcripts as JSONL', async () => {
    const upstream = await example.mockUpstream({
      anthropic: [
        toolCallTurn('list_reports', {}, { id: 'toolu_list' }),
        toolCallTurn('write_report', { title: 'weekly', body: '# Weekly' }, { id: 'toolu_write' }),
        textTurn('Saved.'),
      ],
    });
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', upstream.url);
    const served = await serve();
    const url = served.url;
    const token = await openSession(url, 'demo-key');

    const response = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...userMessage('Write the weekly report'), context: { channel: 'web' } }),
    });
    const { readSseMessages } = await import('../06-tool-approval/client.js');
    const types: string[] = [];
    for await (const { data: event } of readSseMessages(response.body ?? new ReadableStream())) {
      types.push(event.type);
      if (event.type === 'tool_approval_request') {
        expect(event.tool_name).toBe('write_report');
        const answer = await fetch(`${url}/api/chat/tool-approval`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ tool_call_id: event.tool_call_id, nonce: event.nonce, approved: true }),
        });
        expect(answer.status).toBe(200);
      }
    }

    expect(types.filter((type) => type === 'tool_approval_request')).toHaveLength(1);
    expect(types.at(-1)).toBe('stream_complete');
    expect(await readFile(join(dataDirectory, 'reports', 'weekly.md'), 'utf8')).toBe('# Weekly');
    const systemPrompt = JSON.stringify((upstream.requests[0]?.body as { system: unknown }).system);
    expect(systemPrompt).toContain('renders Markdown');

    await served.close();
    const log = (await readFile(join(dataDirectory, 'logs', 'gateway.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; ts: string });
    const kinds = log.map((entry) => entry.kind);
    expect(kinds[0]).toBe('startup');
    expect(kinds).toContain('usage');
    expect(kinds.filter((kind) => kind === 'tool_timing')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('shutdown');
    expect(await readdir(join(dataDirectory, 'transcripts'))).toHaveLength(1);
  });
});
