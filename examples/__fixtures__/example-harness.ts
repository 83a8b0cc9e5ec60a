import { afterEach, beforeEach, vi } from 'vitest';
import type { GatewayApp, GatewayEvent } from 'ai-agent-gateway';
import { createMockUpstream, type MockUpstream } from 'ai-agent-gateway/testing';

/** Environment variables that pick or configure a provider; tests start with none of them. */
const PROVIDER_VARIABLES = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_BASE_URL',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_ORG_ID',
  'OPENAI_MODEL',
] as const;

/**
 * Unsets every provider variable for the current test (restored by `vi.unstubAllEnvs()`), so a
 * developer's real key can never turn a stub test into a paid API call.
 */
export function clearProviderEnvironment(): void {
  for (const name of PROVIDER_VARIABLES) vi.stubEnv(name, undefined);
}

/** An example app listening on 127.0.0.1. */
export interface ServedExample {
  url: string;
  /** Closes the listener and the app (drains runs, runs shutdown hooks). */
  close(): Promise<void>;
}

/** Serves an example's app on a free port of 127.0.0.1; closing it twice closes it once. */
export async function serveExample(app: GatewayApp): Promise<ServedExample> {
  const server = await app.listen({ port: 0, host: '127.0.0.1' });
  let closed: Promise<void> | undefined;
  return {
    url: server.url,
    close: () =>
      (closed ??= (async () => {
        await server.close();
        await app.close();
      })()),
  };
}

/** What an example's tests start; each is closed after its test. */
export interface ExampleLifecycle {
  /** Serves the example's app on a free port of 127.0.0.1 (see `serveExample`). */
  serve(app: GatewayApp): Promise<ServedExample>;
  /** Starts a local model server speaking the providers' wire formats. */
  mockUpstream(...options: Parameters<typeof createMockUpstream>): Promise<MockUpstream>;
}

/**
 * The set-up every example's test file shares, registered on the enclosing suite: before each
 * test no provider variable is set and the example's modules load afresh (its `agent.ts` reads
 * the environment when it loads); after it, what the test served or started is closed, newest
 * first, and stubbed variables are restored.
 */
export function useExampleLifecycle(): ExampleLifecycle {
  const opened: Array<{ close(): Promise<void> }> = [];
  const track = <Resource extends { close(): Promise<void> }>(resource: Resource): Resource => {
    opened.push(resource);
    return resource;
  };
  beforeEach(() => {
    clearProviderEnvironment();
    vi.resetModules();
  });
  afterEach(async () => {
    for (const resource of opened.splice(0).reverse()) await resource.close();
    vi.unstubAllEnvs();
  });
  return {
    serve: async (app) => track(await serveExample(app)),
    mockUpstream: async (...options) => track(await createMockUpstream(...options)),
  };
}

/** One SSE frame as received. */
export interface ReceivedFrame {
  id: string | undefined;
  event: GatewayEvent;
}

/** Exchanges an API key for a session token; throws with the body on failure. */
export async function openSession(url: string, apiKey = 'test-key'): Promise<string> {
  const response = await fetch(`${url}/api/chat/init`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ api_key: apiKey }),
  });
  if (response.status !== 200) throw new Error(`chat/init: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { session_token: string };
  return body.session_token;
}

/** Splits a complete `text/event-stream` body into frames. */
export function parseSseText(text: string): ReceivedFrame[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const lines = frame.split(/\r?\n/);
      const id = lines.find((line) => line.startsWith('id:'))?.slice(3).trim();
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('\n');
      return { id, event: JSON.parse(data) as GatewayEvent };
    });
}

/** Posts one chat and reads the whole stream (for runs that need no answer from the client). */
export async function chat(
  url: string,
  token: string,
  body: Record<string, unknown>,
): Promise<{ status: number; frames: ReceivedFrame[]; text: string }> {
  const response = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const isStream = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
  return { status: response.status, frames: isStream ? parseSseText(text) : [], text };
}

/** The concatenated `text_delta` text of some frames. */
export function streamedText(frames: readonly ReceivedFrame[]): string {
  return frames.map(({ event }) => (event.type === 'text_delta' ? event.text : '')).join('');
}

/** The body of a one-message chat request. */
export const userMessage = (content: string): Record<string, unknown> => ({
  messages: [{ role: 'user', content }],
});
