import { afterEach, describe, expect, it } from 'vitest';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** Starts an agent with a small body limit that records every failure it reports. */
async function startStrictAgent() {
  const reported: string[] = [];
  const started = await startMockAgent(cleanup, {
    turns: [textTurn('Still alive.')],
    agent: {
      server: {
        maxBodyBytes: 256,
        onError: (_error, where) => reported.push(where),
      },
    },
  });
  return { ...started, reported };
}

describe('malformed and invalid bodies', () => {
  it('answers 400 to a body that is not JSON', async () => {
    const { gateway, reported } = await startStrictAgent();
    const response = await gateway.post('/chat/init', '{"api_key": ');
    expect(response.status).toBe(400);
    const body = await jsonOf(response);
    expect(body['detail']).toEqual(expect.stringMatching(/^Malformed JSON body: /));

    const session = await gateway.openSession();
    const chat = await gateway.post('/chat', 'not json at all', { token: session.token });
    expect(chat.status).toBe(400);
    expect(reported).toEqual([]);
  });

  it('answers 422 naming the missing or mistyped field', async () => {
    const { gateway } = await startStrictAgent();
    const missing = await gateway.post('/chat/init', {});
    expect(missing.status).toBe(422);
    expect(await jsonOf(missing)).toEqual({
      detail: [{ loc: ['body', 'api_key'], msg: 'Field required', type: 'missing' }],
    });

    const session = await gateway.openSession();
    const mistyped = await gateway.chat(session.token, { messages: [{ role: 'user', content: 42 }] });
    expect(mistyped.status).toBe(422);
    expect(await jsonOf(mistyped)).toEqual({
      detail: [
        {
          loc: ['body', 'messages', 0, 'content'],
          msg: 'Input should be a valid string',
          type: 'string_type',
        },
      ],
    });

    const noMessages = await gateway.chat(session.token, { context: {} });
    expect(noMessages.status).toBe(422);
    expect(await jsonOf(noMessages)).toMatchObject({
      detail: [{ loc: ['body', 'messages'], type: 'missing' }],
    });

    const approval = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: 'toolu_1', nonce: 'n', approved: 'yes' },
      { token: session.token },
    );
    expect(approval.status).toBe(422);
    expect(await jsonOf(approval)).toMatchObject({
      detail: [{ loc: ['body', 'approved'], type: 'bool_type' }],
    });
  });

  it('answers 413 to a body over maxBodyBytes, with or without Content-Length', async () => {
    const { gateway } = await startStrictAgent();
    const oversized = { api_key: 'k'.repeat(1000) };
    const declared = await gateway.post('/chat/init', oversized);
    expect(declared.status).toBe(413);
    expect(await jsonOf(declared)).toEqual({ detail: 'Request body too large (limit 256 bytes)' });

    // A chunked body has no Content-Length: the limit must hold while reading.
    const bytes = new TextEncoder().encode(JSON.stringify(oversized));
    const chunked = await fetch(`${gateway.baseUrl}/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 100)
            controller.enqueue(bytes.slice(offset, offset + 100));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    expect(chunked.headers.get('content-length')).not.toBe(String(bytes.length));
    expect(chunked.status).toBe(413);
    expect(await jsonOf(chunked)).toEqual({ detail: 'Request body too large (limit 256 bytes)' });
  });

  it('keeps serving after bad requests', async () => {
    const { upstream, gateway, reported } = await startStrictAgent();
    const session = await gateway.openSession();
    await gateway.post('/chat', '{', { token: session.token });
    await gateway.post('/chat', { messages: 'nope' }, { token: session.token });
    await gateway.post(
      '/chat',
      { messages: [{ role: 'user', content: 'x'.repeat(2000) }] },
      { token: session.token },
    );

    // A refused request never took the session's stream lock.
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'are you ok?'));
    expect(textOf(frames)).toBe('Still alive.');
    expect((await gateway.get('/health')).status).toBe(200);
    expect(reported).toEqual([]);
    upstream.assertAllConsumed();
  });
});
