import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../src/core/events.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import type { ChatRuntime } from '../src/server/contracts/gateway-config.js';
import type { GatewayApp } from '../src/server/gateway-app.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** What the run says: text deltas, a tool call, then a failure. */
const events: GatewayEvent[] = [
  { type: 'text_delta', text: 'Hel' },
  { type: 'text_delta', text: 'lo "wire"\n' },
  {
    type: 'tool_call_start',
    tool_call_id: 'call-1',
    tool_name: 'lookup',
    tool_input: { query: 'ünïcode ✓' },
    execution_location: 'server',
    call_index: 0,
  },
  {
    type: 'tool_call_complete',
    tool_call_id: 'call-1',
    tool_name: 'lookup',
    result: { rows: [1, 2, 3] },
    error: null,
    duration_ms: 4,
    server: null,
  },
  { type: 'error', error: 'the model failed', code: 'internal_error' },
];

/** A gateway whose runs say `events`, each in its own turn of the event loop. */
function createScriptedApp(): GatewayApp {
  const buildChatRuntime = (): ChatRuntime => ({
    systemPrompt: 's',
    createRunner: (context) => ({
      async run() {
        for (const event of events) {
          await new Promise((resolve) => setImmediate(resolve));
          context.eventLog.append(event);
        }
      },
    }),
  });
  return createGatewayApp({ buildChatRuntime, server: { allowedModels: [], sseRetryMs: 2500 } });
}

/** The frames a client must receive for `events` of run `runId` (our native SSE protocol). */
function expectedBody(runId: string, firstSeq: number): string {
  const frames = events.map(
    (event, index) => `id: ${runId}:${firstSeq + index}\ndata: ${JSON.stringify(event)}\n\n`,
  );
  return `retry: 2500\n\n${frames.join('')}`;
}

/** The run id and first sequence number a body names in its first `id:` line. */
function firstIdOf(body: string): { runId: string; seq: number } {
  const match = /^id: (.+):(\d+)$/m.exec(body);
  if (match?.[1] === undefined || match[2] === undefined) throw new Error(`no id line in ${body}`);
  return { runId: match[1], seq: Number(match[2]) };
}

describe('the bytes of an event stream', () => {
  it('written to the Node response directly: the retry line, then one id and data line per event', async () => {
    const gateway = cleanup.add(await startGatewayClient(createScriptedApp()), (client) => client.close());
    const session = await gateway.openSession();
    const response = await gateway.chat(session.token, 'hello');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('x-gateway-direct-stream')).toBeNull();
    const body = await response.text();
    const { runId, seq } = firstIdOf(body);
    expect(body).toBe(expectedBody(runId, seq));
  });

  it('are the same whether written directly or through a web stream (the app mounted elsewhere)', async () => {
    const gateway = cleanup.add(await startGatewayClient(createScriptedApp()), (client) => client.close());
    const session = await gateway.openSession();
    const direct = await (await gateway.chat(session.token, 'hello')).text();

    const app = createScriptedApp();
    cleanup.add(app, (mounted) => mounted.close());
    const post = (path: string, body: unknown, token?: string): Promise<Response> =>
      app.fetch(
        new Request(`http://gateway.test${app.prefix}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          },
          body: JSON.stringify(body),
        }),
      );
    const init = await jsonOf(await post('/chat/init', { api_key: 'test-client-key' }));
    const streamed = await post(
      '/chat',
      { messages: [{ role: 'user', content: 'hello' }] },
      String(init.session_token),
    );
    expect(streamed.body).not.toBeNull();
    const viaWebStream = await streamed.text();

    const withoutRunId = (body: string): string => body.replaceAll(firstIdOf(body).runId, 'RUN');
    expect(withoutRunId(viaWebStream)).toBe(withoutRunId(direct));
  });
});
