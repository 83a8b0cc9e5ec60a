import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { eventsOf, eventsOfType, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { trackSourceTimers, waitForSourceTimersCleared } from './helpers/track-source-timers.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('chat over HTTP (Anthropic wire format through the official SDK)', () => {
  it('opens a session and streams deltas, then stream_complete with usage and cost', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('Hello from the mock model.', { usage: { inputTokens: 100, outputTokens: 20 } })],
      systemPrompt: 'Be brief.',
    });
    const session = await gateway.openSession();
    expect(session.sessionId).toMatch(/^sess_[0-9a-f]{32}$/);
    const sourceTimers = cleanup.add(trackSourceTimers(), (tracker) => tracker.stop());

    const response = await gateway.chat(session.token, 'Say hello');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('connection')).toBe('keep-alive');

    const frames = await readAllSseFrames(response);
    const events = eventsOf(frames);
    expect(events.at(-1)).toEqual({
      type: 'stream_complete',
      usage: {
        input_tokens: 100,
        output_tokens: 20,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        estimated_cost: 0.0006,
      },
    });
    expect(events.slice(0, -1).every((event) => event.type === 'text_delta')).toBe(true);
    expect(eventsOfType(frames, 'text_delta').length).toBeGreaterThan(1);
    expect(textOf(frames)).toBe('Hello from the mock model.');

    const ids = frames.filter((frame) => frame.event.type !== 'heartbeat').map((frame) => frame.id);
    expect(ids).toEqual(ids.map((_, index) => index + 1));

    const request = upstream.requests[0];
    expect(upstream.requests).toHaveLength(1);
    // The SDK decides the header (x-api-key or a bearer token); the key must reach the upstream.
    const credentialHeaders = [request?.headers['x-api-key'], request?.headers['authorization']];
    expect(credentialHeaders.some((value) => value === 'test-key' || value === 'Bearer test-key')).toBe(true);
    expect(request?.body).toMatchObject({
      model: 'claude-sonnet-4-6',
      stream: true,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    expect(JSON.stringify((request?.body as { system?: unknown }).system)).toContain('Be brief.');
    upstream.assertAllConsumed();
    // A finished run leaves no timer behind (watchdogs, heartbeats, waits).
    await waitForSourceTimersCleared(sourceTimers);
  });

  it('keeps multi-byte characters and newlines intact across frames', async () => {
    const text = 'Ligne un\nligne deux — émoji 🌍 et 中文\n\nfin';
    const { gateway } = await startMockAgent(cleanup, { turns: [textTurn(text)] });
    const session = await gateway.openSession();
    expect(textOf(await readAllSseFrames(await gateway.chat(session.token, 'unicode please')))).toBe(text);
  });

  it('sends the whole conversation of the request to the model', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, { turns: [textTurn('Blue.')] });
    const session = await gateway.openSession();
    const response = await gateway.chat(session.token, {
      messages: [
        { role: 'user', content: 'Pick a colour' },
        { role: 'assistant', content: 'Red?' },
        { role: 'user', content: 'Another one' },
      ],
      context: {},
      model: null,
    });
    expect(textOf(await readAllSseFrames(response))).toBe('Blue.');
    const body = upstream.requests[0]?.body as { messages: Array<{ role: string }> };
    expect(body.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
  });
});

describe('chat over HTTP (OpenAI wire format through the official SDK)', () => {
  it('streams the reply and completes with usage', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      flavor: 'openai',
      turns: [textTurn('Hi from the OpenAI-style mock.', { usage: { inputTokens: 12, outputTokens: 7 } })],
    });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'hello'));

    expect(textOf(frames)).toBe('Hi from the OpenAI-style mock.');
    const complete = eventsOfType(frames, 'stream_complete')[0];
    expect(complete?.usage).toMatchObject({ input_tokens: 12, output_tokens: 7 });
    expect(complete?.usage).toHaveProperty('estimated_cost');
    expect(upstream.requests[0]?.flavor).toBe('openai');
    expect(upstream.requests[0]?.body).toMatchObject({ model: 'gpt-4o', stream: true });
    upstream.assertAllConsumed();
  });
});

describe('chat without any credential', () => {
  it('answers with the stub reply and an empty usage', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', '');
    vi.stubEnv('ANTHROPIC_AUTH_TOKEN', '');
    const gateway = cleanup.add(
      await startGatewayClient(createAgent({ systemPrompt: 'No key here.' })),
      (client) => client.close(),
    );
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'are you there?'));

    expect(textOf(frames).trim()).toBe(
      'Stub response (no Anthropic credential configured). You asked: are you there?',
    );
    expect(eventsOf(frames).at(-1)).toEqual({ type: 'stream_complete', usage: {} });
  });
});

describe('health', () => {
  it('answers without authentication', async () => {
    const { gateway } = await startMockAgent(cleanup);
    const response = await gateway.get('/health');
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toEqual({ status: 'ok' });
  });
});
