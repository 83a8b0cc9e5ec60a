import { ClientFactory, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import { LegacyJsonRpcTransport } from '@a2a-js/sdk/compat/v0_3/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { bearerFetch, sendRequest, userMessage } from './helpers/a2a-client.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { tenantMember } from './helpers/budget-test-callers.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';

/*
 * `POST /runs` and A2A (send and stream, 0.3 and 1.0, through the official client) carry the
 * `x-budget-*` headers when admitted, and answer a refusal with its HTTP status, body and
 * `Retry-After` before any stream starts.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** $50 per million output tokens: a call capped at 1 000 output tokens holds $0.05. */
const prices = { 'scripted-model': { inputPerMTokUsd: 0, outputPerMTokUsd: 50 } };

/** A gateway where each tenant may spend $1 a day, but tenant "poor" one cent (below any call). */
async function startBudgetedGateway() {
  const scripted = createScriptedProvider({
    turns: Array.from({ length: 10 }, () => textTurn('ok', { usage: { outputTokens: 10 } })),
  });
  const app = createGatewayApp({
    buildChatRuntime: scriptedRuntime(scripted, { maxTokens: 1_000 }),
    server: {
      auth: { authenticate: tenantMember },
      a2a: true,
      budgets: [{ scope: 'tenant', limitUsd: 1, window: 'day' }],
      budgetFor: (payer) =>
        payer.tenant === 'poor' ? [{ scope: 'tenant', limitUsd: 0.01, window: 'day' }] : undefined,
      prices,
    },
  });
  const client = cleanup.add(await startGatewayClient(app), (started) => started.close());
  return { baseUrl: client.baseUrl, scripted };
}

/** The headers of a fresh tenant's first admitted call: $1, less the call's $0.05 hold. */
const expectFreshBudgetHeaders = (headers: Headers): void => {
  expect(headers.get('x-budget-limit-usd')).toBe('1');
  expect(headers.get('x-budget-remaining-usd')).toBe('0.95');
  expect(Date.parse(headers.get('x-budget-reset') ?? '')).toBeGreaterThan(Date.now());
};

/** The body and `Retry-After` of tenant "poor"'s refusal. */
const expectPoorRefusal = async (response: Response): Promise<void> => {
  expect(response.status).toBe(429);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await response.json()).toMatchObject({
    code: 'budget_exceeded',
    scope: 'tenant:poor',
    limit_usd: 0.01,
    spent_usd: 0,
  });
};

/**
 * The official A2A client for `token` (1.0, from the agent card), or the SDK's own 0.3 JSON-RPC
 * transport (`legacy`: `message/send`, `message/stream`), keeping every response it got.
 */
async function recordingA2aClient(baseUrl: string, token: string, legacy: boolean) {
  const responses: Response[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const response = await bearerFetch(token)(input, init);
    responses.push(response);
    return response;
  };
  const client: Pick<Client, 'sendMessage' | 'sendMessageStream'> = legacy
    ? new LegacyJsonRpcTransport({ endpoint: `${baseUrl}/a2a`, fetchImpl })
    : await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })] }).createFromUrl(
        new URL(baseUrl).origin,
      );
  return { client, lastResponse: () => responses.at(-1) };
}

describe('budget headers and refusals on POST /runs and A2A', () => {
  it('answers POST /runs with the x-budget-* headers, and a refused one with 429, its body and Retry-After', async () => {
    const gateway = await startBudgetedGateway();
    const started = await bearerRequest(gateway.baseUrl, 'POST', '/runs', 'runs.ada', {
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(started.status).toBe(202);
    expectFreshBudgetHeaders(started.headers);
    await started.body?.cancel();

    await expectPoorRefusal(
      await bearerRequest(gateway.baseUrl, 'POST', '/runs', 'poor.bob', {
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
  });

  it('answers A2A message/send and message/stream (0.3) with the headers, and a refused stream with 429 before it starts', async () => {
    const gateway = await startBudgetedGateway();
    const message = (text: string) => ({
      kind: 'message',
      messageId: crypto.randomUUID(),
      role: 'user',
      parts: [{ kind: 'text', text }],
    });
    const sent = await bearerRequest(gateway.baseUrl, 'POST', '/a2a', 'sendx.ada', {
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: { message: message('hi') },
    });
    expect(sent.status).toBe(200);
    expectFreshBudgetHeaders(sent.headers);
    await sent.text();

    const streamed = await bearerRequest(gateway.baseUrl, 'POST', '/a2a', 'streamx.ada', {
      jsonrpc: '2.0',
      id: 2,
      method: 'message/stream',
      params: { message: message('hi') },
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expectFreshBudgetHeaders(streamed.headers);
    await streamed.text();

    const before = gateway.scripted.requests.length;
    await expectPoorRefusal(
      await bearerRequest(gateway.baseUrl, 'POST', '/a2a', 'poor.bob', {
        jsonrpc: '2.0',
        id: 3,
        method: 'message/stream',
        params: { message: message('hi') },
      }),
    );
    expect(gateway.scripted.requests).toHaveLength(before);
  });

  for (const legacy of [false, true]) {
    it(`gives the official A2A client (${legacy ? 'its 0.3 transport' : '1.0'}) the headers on send and stream, and the refusal's body as its error`, async () => {
      const gateway = await startBudgetedGateway();
      const sender = await recordingA2aClient(gateway.baseUrl, legacy ? 'senda.ada' : 'sendb.ada', legacy);
      await sender.client.sendMessage(sendRequest(userMessage('hi')));
      expectFreshBudgetHeaders(sender.lastResponse()?.headers ?? new Headers());

      const streamer = await recordingA2aClient(
        gateway.baseUrl,
        legacy ? 'streama.ada' : 'streamb.ada',
        legacy,
      );
      for await (const event of streamer.client.sendMessageStream(sendRequest(userMessage('hi')))) void event;
      expectFreshBudgetHeaders(streamer.lastResponse()?.headers ?? new Headers());

      const poor = await recordingA2aClient(gateway.baseUrl, 'poor.cy', legacy);
      const before = gateway.scripted.requests.length;
      const refusal = await (async () => {
        for await (const event of poor.client.sendMessageStream(sendRequest(userMessage('hi')))) void event;
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      // The SDK's client reads the JSON body of a non-2xx answer as the error's response.
      expect(refusal).toMatchObject({
        errorResponse: { code: 'budget_exceeded', scope: 'tenant:poor', limit_usd: 0.01 },
      });
      expect(poor.lastResponse()?.status).toBe(429);
      expect(gateway.scripted.requests).toHaveLength(before);
    });
  }
});
