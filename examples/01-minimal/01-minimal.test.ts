import { describe, expect, it } from 'vitest';
import {
  chat,
  openSession,
  streamedText,
  useExampleLifecycle,
  userMessage,
} from '../__fixtures__/example-harness.js';

describe('example 01-minimal', () => {
  const example = useExampleLifecycle();

  it('serves the stub reply over a real socket when no API key is configured', async () => {
    const { default: app } = await import('./agent.js');
    const served = await example.serve(app);

    const health = await fetch(`${served.url}/api/health`);
    expect(await health.json()).toEqual({ status: 'ok' });

    const token = await openSession(served.url);
    const { status, frames } = await chat(served.url, token, userMessage('Hello there'));

    expect(status).toBe(200);
    expect(streamedText(frames)).toBe(
      'Stub response (no Anthropic credential configured). You asked: Hello there ',
    );
    expect(frames.at(-1)?.event).toEqual({ type: 'stream_complete', usage: {} });
    const runId = frames[0]?.id?.split(':')[0] ?? '';
    expect(runId).toMatch(/^[0-9a-f]{36}$/);
    expect(frames.map((frame) => frame.id)).toEqual(frames.map((_, index) => `${runId}:${index + 1}`));
  });
});
