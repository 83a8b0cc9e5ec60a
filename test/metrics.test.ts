import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { tool } from '../src/tools/define-tool.js';
import { httpErrorTurn, textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { getWithHost } from './helpers/request-with-host.js';
import { readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { runFailingClientTool } from './helpers/failing-client-tool.js';
import { prometheusSample } from './helpers/prometheus-sample.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const weather = tool({
  name: 'get_weather',
  description: 'Weather of a city',
  inputSchema: z.object({ city: z.string() }),
  execute: ({ city }) => ({ city, sky: 'clear' }),
});
const broken = tool({
  name: 'broken',
  description: 'Always fails',
  inputSchema: z.object({}),
  execute: () => {
    throw new Error('disk on fire');
  },
});

describe('Prometheus metrics at GET /metrics', () => {
  it('counts requests, runs, tokens, cost, tool calls and retries by the right amounts', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [
        httpErrorTurn(529, { message: 'Overloaded', retryAfterSeconds: 0 }),
        toolCallTurn(
          'get_weather',
          { city: 'Nantes' },
          { id: 'toolu_1', usage: { inputTokens: 100, outputTokens: 10 } },
        ),
        toolCallTurn('broken', {}, { id: 'toolu_2', usage: { inputTokens: 120, outputTokens: 5 } }),
        textTurn('Done.', { usage: { inputTokens: 150, outputTokens: 7 } }),
      ],
      agent: { tools: [weather, broken], server: { metrics: true } },
    });
    const session = await gateway.openSession();
    await readAllSseFrames(await gateway.chat(session.token, 'Weather?'));
    const origin = new URL(gateway.baseUrl).origin;
    const scraped = await fetch(`${origin}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const text = await scraped.text();

    expect(
      prometheusSample(text, 'agent_gateway_http_requests_total', { route: '/api/chat/init', status: '200' }),
    ).toBe(1);
    expect(
      prometheusSample(text, 'agent_gateway_http_requests_total', {
        route: '/api/chat',
        method: 'POST',
        status: '200',
      }),
    ).toBe(1);
    expect(prometheusSample(text, 'agent_gateway_runs_total', { outcome: 'completed' })).toBe(1);
    expect(
      prometheusSample(text, 'agent_gateway_tool_calls_total', { tool: 'get_weather', outcome: 'ok' }),
    ).toBe(1);
    expect(
      prometheusSample(text, 'agent_gateway_tool_calls_total', { tool: 'broken', outcome: 'tool_error' }),
    ).toBe(1);
    expect(
      prometheusSample(text, 'agent_gateway_tool_call_duration_seconds_count', { tool: 'get_weather' }),
    ).toBe(1);
    expect(prometheusSample(text, 'agent_gateway_model_retries_total', { code: 'upstream_overloaded' })).toBe(
      1,
    );
    expect(prometheusSample(text, 'agent_gateway_tokens_total', { type: 'input' })).toBe(370);
    expect(prometheusSample(text, 'agent_gateway_tokens_total', { type: 'output' })).toBe(22);
    expect(prometheusSample(text, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' })).toBe(370);
    expect(
      prometheusSample(text, 'gen_ai_client_operation_duration_seconds_count', {
        gen_ai_operation_name: 'invoke_agent',
      }),
    ).toBe(1);
    expect(prometheusSample(text, 'gen_ai_server_time_to_first_token_seconds_count')).toBe(1);
    expect(prometheusSample(text, 'agent_gateway_cost_usd_total')).toBeGreaterThan(0);
    expect(prometheusSample(text, 'agent_gateway_active_runs')).toBe(0);
    expect(prometheusSample(text, 'agent_gateway_open_streams')).toBe(0);
    expect(text).not.toContain('sess_');

    // A second scrape counts the first one, and unknown paths share one label.
    await fetch(`${origin}/no/such/path/${Math.random()}`);
    const again = await (await fetch(`${origin}/metrics`)).text();
    expect(
      prometheusSample(again, 'agent_gateway_http_requests_total', { route: '/metrics', status: '200' }),
    ).toBe(1);
    expect(
      prometheusSample(again, 'agent_gateway_http_requests_total', { route: 'unmatched', status: '404' }),
    ).toBe(1);
  });

  it("labels a tool name the model invented as other, keeping the agent's own tools by name", async () => {
    const invented = `invented_${'z'.repeat(300)}`;
    const { gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn(invented, {}, { id: 'toolu_i' }),
        toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_w' }),
        textTurn('Done.'),
      ],
      agent: { tools: [weather], server: { metrics: true } },
    });
    const session = await gateway.openSession();
    await readAllSseFrames(await gateway.chat(session.token, 'Weather?'));
    const text = await (await fetch(`${new URL(gateway.baseUrl).origin}/metrics`)).text();
    expect(text).not.toContain('zzzz');
    expect(
      prometheusSample(text, 'agent_gateway_tool_calls_total', { tool: 'other', outcome: 'unknown_tool' }),
    ).toBe(1);
    expect(
      prometheusSample(text, 'agent_gateway_tool_calls_total', { tool: 'get_weather', outcome: 'ok' }),
    ).toBe(1);
  });

  it("labels a client-side tool's own error code other, however long", async () => {
    const code = `code_${'q'.repeat(100_000)}`;
    const { gateway } = await runFailingClientTool(
      cleanup,
      { code, message: 'no' },
      { server: { metrics: true } },
    );
    const text = await (await fetch(`${new URL(gateway.baseUrl).origin}/metrics`)).text();
    expect(text).not.toContain('qqqq');
    expect(
      prometheusSample(text, 'agent_gateway_tool_calls_total', { tool: 'get_location', outcome: 'other' }),
    ).toBe(1);
  });

  it('counts an approval as pending while it waits, and its wait once answered', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('get_weather', { city: 'Brest' }, { id: 'toolu_a' }), textTurn('Rainy.')],
      agent: { tools: [weather], needsApproval: () => true, server: { metrics: true } },
    });
    const origin = new URL(gateway.baseUrl).origin;
    const session = await gateway.openSession();
    const response = await gateway.chat(session.token, 'Weather in Brest?');
    const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
    let seen = '';
    while (!seen.includes('tool_approval_request')) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) throw new Error('stream ended before the approval request');
      seen += new TextDecoder().decode(chunk.value);
    }
    const during = await (await fetch(`${origin}/metrics`)).text();
    expect(prometheusSample(during, 'agent_gateway_approvals_pending')).toBe(1);
    expect(prometheusSample(during, 'agent_gateway_open_streams')).toBe(1);
    expect(prometheusSample(during, 'agent_gateway_active_runs')).toBe(1);
    expect(prometheusSample(during, 'agent_gateway_run_followers')).toBe(1);

    const nonce = /"nonce":"([0-9a-f]+)"/.exec(seen)?.[1] ?? '';
    const answer = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: 'toolu_a', nonce, approved: true },
      { token: session.token },
    );
    expect(answer.status).toBe(200);
    for (let chunk = await reader?.read(); chunk !== undefined && !chunk.done; chunk = await reader?.read()) {
      // drain to the end of the run
    }
    const after = await (await fetch(`${origin}/metrics`)).text();
    expect(prometheusSample(after, 'agent_gateway_approvals_pending')).toBe(0);
    expect(prometheusSample(after, 'agent_gateway_run_followers')).toBe(0);
    expect(prometheusSample(after, 'agent_gateway_approval_wait_seconds_count')).toBe(1);
  });

  it('asks for its own token when one is set, and is absent when metrics are off', async () => {
    const secured = await startMockAgent(cleanup, { agent: { server: { metrics: { token: 'scrape-me' } } } });
    const origin = new URL(secured.gateway.baseUrl).origin;
    expect((await fetch(`${origin}/metrics`)).status).toBe(401);
    const session = await secured.gateway.openSession();
    expect(
      (await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${session.token}` } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${origin}/metrics`, { headers: { authorization: 'Bearer scrape-me' } })).status,
    ).toBe(200);

    const plain = await startMockAgent(cleanup, {});
    expect((await fetch(`${new URL(plain.gateway.baseUrl).origin}/metrics`)).status).toBe(404);
  });

  it('answers 421 on /metrics to a Host that is not a loopback name when listening on loopback (DNS rebinding)', async () => {
    const { gateway } = await startMockAgent(cleanup, { agent: { server: { metrics: true } } });
    const metricsUrl = `${new URL(gateway.baseUrl).origin}/metrics`;
    const rebound = await getWithHost(metricsUrl, 'attacker.example.test');
    expect(rebound.status).toBe(421);
    expect(rebound.text).not.toContain('agent_gateway_');
    expect((await getWithHost(metricsUrl, 'localhost:8000')).status).toBe(200);
  });

  it('refuses to listen on a non-loopback address with metrics on and no token, before anything starts', async () => {
    for (const metrics of [true, {}] as const) {
      let startups = 0;
      const app = createAgent({
        systemPrompt: 'x',
        provider: 'openai',
        apiKey: 'test-key',
        server: { metrics, onStartup: () => void (startups += 1) },
      });
      cleanup.add(app, (opened) => opened.close());
      await expect(app.listen({ host: '0.0.0.0', port: 0 })).rejects.toThrow(
        /server\.metrics.*0\.0\.0\.0.*token/s,
      );
      expect(startups).toBe(0);
    }

    const tokened = createAgent({
      systemPrompt: 'x',
      provider: 'openai',
      apiKey: 'test-key',
      server: { metrics: { token: 'scrape-me' }, validApiKeys: ['client-key'] },
    });
    const server = await tokened.listen({ host: '0.0.0.0', port: 0 });
    cleanup.add(tokened, async (opened) => {
      await opened.close();
      await server.close();
    });
    const metricsUrl = `http://127.0.0.1:${server.port}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer scrape-me' } })).status).toBe(200);
  });
});
