import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';
import { createSseReader, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('limits that hold without configuration', () => {
  it('lets an OpenAI deployment use only its configured model unless allowedModels says otherwise', async () => {
    const { gateway, upstream } = await startMockAgent(cleanup, {
      flavor: 'openai',
      turns: [textTurn('From the configured model.')],
    });
    const session = await gateway.openSession();
    const other = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'hi' }],
      model: 'o1-pro',
    });
    expect(other.status).toBe(400);
    expect(await jsonOf(other)).toEqual({
      detail: 'Invalid model: o1-pro (allowed: gpt-4o; server.allowedModels sets the list)',
    });
    expect(upstream.requests).toHaveLength(0);

    const configured = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'hi' }],
      model: 'gpt-4o',
    });
    expect(textOf(await readAllSseFrames(configured))).toBe('From the configured model.');
  });

  it('lets an Anthropic deployment use only its configured model: a request for claude-opus-4-6 gets 400', async () => {
    const { gateway, upstream } = await startMockAgent(cleanup, {
      turns: [textTurn('From the configured model.')],
    });
    const session = await gateway.openSession();
    const pricier = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'hi' }],
      model: 'claude-opus-4-6',
    });
    expect(pricier.status).toBe(400);
    expect(await jsonOf(pricier)).toEqual({
      detail: expect.stringMatching(/^Invalid model: claude-opus-4-6 \(allowed: /) as string,
    });
    expect(upstream.requests).toHaveLength(0);

    const configured = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'hi' }],
      model: 'claude-sonnet-4-6',
    });
    expect(textOf(await readAllSseFrames(configured))).toBe('From the configured model.');
  });

  it('lets a createGatewayApp request pick only defaultModel, and no model at all without one', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('ok'), textTurn('ok')] });
    const withDefault = cleanup.add(
      await startGatewayClient(
        createGatewayApp({ buildChatRuntime: scriptedRuntime(provider), defaultModel: 'house-model' }),
      ),
      (client) => client.close(),
    );
    const session = await withDefault.openSession();
    const pricier = await withDefault.chat(session.token, {
      messages: [{ role: 'user', content: 'hi' }],
      model: 'claude-opus-4-6',
    });
    expect(pricier.status).toBe(400);
    expect(await jsonOf(pricier)).toEqual({
      detail: expect.stringMatching(/^Invalid model: claude-opus-4-6 \(allowed: /) as string,
    });
    const house = await withDefault.chat(session.token, {
      messages: [{ role: 'user', content: 'hi' }],
      model: 'house-model',
    });
    expect(house.status).toBe(200);
    await readAllSseFrames(house);

    const withoutDefault = cleanup.add(
      await startGatewayClient(
        createGatewayApp({ buildChatRuntime: scriptedRuntime(provider, { model: 'fixed-model' }) }),
      ),
      (client) => client.close(),
    );
    const other = await withoutDefault.openSession();
    for (const model of ['claude-opus-4-6', 'claude-sonnet-4-6']) {
      const picked = await withoutDefault.chat(other.token, {
        messages: [{ role: 'user', content: 'hi' }],
        model,
      });
      expect(picked.status).toBe(400);
      expect(await jsonOf(picked)).toEqual({
        detail: expect.stringMatching(new RegExp(`^Invalid model: ${model} \\(allowed: `)) as string,
      });
    }
    const unnamed = await withoutDefault.chat(other.token, 'hi');
    expect(unnamed.status).toBe(200);
    await readAllSseFrames(unnamed);
  });

  it('answers 503 with retry-after beyond maxConcurrentRuns, and frees the slot when a run ends', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('slow first run', { eventDelayMs: 40 }), textTurn('second run after the first ended')],
      agent: {
        server: {
          maxConcurrentRuns: 1,
        },
      },
    });
    const first = await gateway.openSession();
    const second = await gateway.openSession();
    const running = createSseReader(await gateway.chat(first.token, 'one'));
    await running.nextOfType('text_delta');

    const refused = await gateway.chat(second.token, 'two');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await jsonOf(refused)).toEqual({
      detail: 'Too many runs in progress (maxConcurrentRuns 1); retry shortly',
    });

    await running.rest();
    // The slot is freed as the run's teardown finishes, a moment after its last event.
    const after = await waitFor(
      async () => {
        const response = await gateway.chat(second.token, 'two');
        if (response.status !== 503) return response;
        await response.body?.cancel();
        return undefined;
      },
      { description: 'the finished run to free its slot' },
    );
    expect(textOf(await readAllSseFrames(after))).toBe('second run after the first ended');
  });
});
