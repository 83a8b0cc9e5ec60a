import { describe, expect, it, vi } from 'vitest';
import { type ScriptedTurn, textTurn, toolCallTurn } from 'ai-agent-gateway/testing';
import { useExampleLifecycle } from '../__fixtures__/example-harness.js';
import { runA2aClient } from './a2a-client.js';
import { runMcpClient } from './mcp-client.js';

describe('example 13-agent-protocols', () => {
  const example = useExampleLifecycle();

  const serveWith = async (turns: ScriptedTurn[]) => {
    const upstream = await example.mockUpstream({ anthropic: turns });
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', upstream.url);
    const agent = await import('./agent.js');
    const served = await example.serve(agent.default);
    return { agent, url: served.url };
  };

  it("refunds an order for an A2A client once it approves the task's request", async () => {
    const { agent, url } = await serveWith([
      toolCallTurn('refund_order', { order: '1042' }, { id: 'toolu_refund' }),
      textTurn('Order 1042 is refunded.'),
    ]);
    const answer = await runA2aClient({
      baseUrl: url,
      apiKey: 'any-key',
      text: 'Refund order 1042',
    });
    expect(answer).toBe('Order 1042 is refunded.');
    expect(agent.refunded).toEqual(['1042']);
  });

  it('answers an MCP host through its one tool', async () => {
    const { url } = await serveWith([
      toolCallTurn('order_status', { order: '1042' }, { id: 'toolu_status' }),
      textTurn('Order 1042 has shipped.'),
    ]);
    const text = await runMcpClient({
      baseUrl: url,
      apiKey: 'any-key',
      text: 'Status of 1042?',
    });
    expect(text).toBe('Order 1042 has shipped.');
  });
});
