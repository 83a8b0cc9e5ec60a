import { describe, expect, it } from 'vitest';
import { closeAgentsAfterEach, startAgent } from './__fixtures__/start-scripted-agent.js';
import { createTestClient } from './create-test-client.js';
import { textTurn } from './scripted-turn.js';
import { GatewayResponseError } from './test-client/gateway-response-error.js';

closeAgentsAfterEach();

/** The error a promise rejects with. */
const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('createTestClient at the edges', () => {
  it('throws a GatewayResponseError with the status and JSON body of a refused request', async () => {
    const { app } = startAgent([textTurn('unused')], {
      server: {
        validApiKeys: ['right-key'],
      },
    });
    const client = createTestClient(app);

    const refused = await rejectionOf(client.init({ apiKey: 'wrong-key' }));
    expect(refused).toBeInstanceOf(GatewayResponseError);
    expect(refused).toMatchObject({
      status: 401,
      body: { detail: 'Invalid API key' },
      request: 'POST /api/chat/init',
    });
    expect(String(refused)).toContain('401: Invalid API key');

    await client.init({ apiKey: 'right-key' });
    await expect(client.chat({ message: 'hi', model: 'not-allowed' })).rejects.toMatchObject({
      status: 400,
      body: { detail: expect.stringMatching(/^Invalid model: not-allowed \(allowed: /) as string },
    });
    await expect(client.resume()).rejects.toMatchObject({
      status: 404,
      body: { detail: 'No run to resume for this session' },
    });
  });

  it('says init() comes first instead of sending a request without a token', async () => {
    const { app } = startAgent([]);
    await expect(createTestClient(app).chat({ message: 'hi' })).rejects.toThrow(/call init\(\) first/);
  });

  it("uses the app's prefix, or the one given", async () => {
    const { app } = startAgent([textTurn('prefixed')], {
      server: {
        prefix: '/v2',
      },
    });

    await expect(createTestClient(app, { prefix: '/api' }).init()).rejects.toMatchObject({ status: 404 });
    const client = createTestClient(app);
    await client.init();
    expect(await (await client.chat({ message: 'hi' })).text()).toBe('prefixed');
  });

  it('keeps heartbeat events only when asked to', async () => {
    const { app } = startAgent([{ blocks: [{ type: 'text', text: 'stalled here' }], stallAfterEvents: 2 }], {
      server: {
        heartbeatIntervalMs: 5,
      },
    });
    const client = createTestClient(app, { heartbeats: true });
    await client.init();
    const run = await client.chat({ message: 'hang' });

    const heartbeat = await run.waitFor('heartbeat');
    expect(typeof heartbeat.timestamp).toBe('number');
    await client.cancel();
    expect(run.terminal).toBeUndefined();
    expect((await run.collect()).at(-1)?.type).toBe('error');
  });

  it('stops a wait when its signal aborts, and fails the stream when the chat signal aborts', async () => {
    const { app } = startAgent([{ blocks: [{ type: 'text', text: 'stalled here' }], stallAfterEvents: 2 }]);
    const client = createTestClient(app);
    await client.init();
    const controller = new AbortController();
    const run = await client.chat({ message: 'hang', signal: controller.signal });
    await run.waitFor('text_delta');

    const wait = new AbortController();
    const waiting = run.waitFor('stream_complete', { signal: wait.signal });
    wait.abort(new Error('gave up waiting'));
    await expect(waiting).rejects.toThrow('gave up waiting');

    controller.abort(new Error('test over'));
    await expect(run.collect()).rejects.toThrow('test over');
  });
});
