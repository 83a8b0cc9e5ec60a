import { describe, expect, it, vi } from 'vitest';
import { textTurn } from 'ai-agent-gateway/testing';
import {
  chat,
  openSession,
  streamedText,
  useExampleLifecycle,
  userMessage,
} from '../__fixtures__/example-harness.js';

describe('example 08-multi-provider', () => {
  const example = useExampleLifecycle();

  it('answers with the OpenAI stub reply when neither a key nor a base URL is configured', async () => {
    const { default: app } = await import('./agent.js');
    const served = await example.serve(app);
    const { frames } = await chat(served.url, await openSession(served.url), userMessage('Hi'));
    expect(streamedText(frames)).toBe('Stub response (no OpenAI credential configured). You asked: Hi ');
    expect(frames.at(-1)?.event).toEqual({ type: 'stream_complete', usage: {} });
  });

  it('streams from an OpenAI-compatible server named by OPENAI_BASE_URL, with gpt-4o by default', async () => {
    const upstream = await example.mockUpstream({ openai: [textTurn('Hello from the compatible server.')] });
    vi.stubEnv('OPENAI_BASE_URL', upstream.openaiBaseURL);
    const { default: app } = await import('./agent.js');
    const served = await example.serve(app);

    const { frames } = await chat(served.url, await openSession(served.url), userMessage('Hi'));

    expect(streamedText(frames)).toBe('Hello from the compatible server.');
    expect(frames.at(-1)?.event.type).toBe('stream_complete');
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({ flavor: 'openai', body: { model: 'gpt-4o', stream: true } });
  });

  it('serves the model OPENAI_MODEL names and refuses a request for any other', async () => {
    const upstream = await example.mockUpstream({ openai: [textTurn('ok')] });
    vi.stubEnv('OPENAI_API_KEY', 'test-key');
    vi.stubEnv('OPENAI_BASE_URL', upstream.openaiBaseURL);
    vi.stubEnv('OPENAI_MODEL', 'llama3.2');
    const { default: app } = await import('./agent.js');
    const served = await example.serve(app);
    const token = await openSession(served.url);

    const other = await chat(served.url, token, { ...userMessage('Hi'), model: 'gpt-4o' });
    expect(other.status).toBe(400);
    expect(upstream.requests).toHaveLength(0);

    const { status } = await chat(served.url, token, { ...userMessage('Hi'), model: 'llama3.2' });
    expect(status).toBe(200);
    expect(upstream.requests[0]?.body).toMatchObject({ model: 'llama3.2' });
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer test-key');
  });
});
