import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createMockUpstream,
  textTurn,
  toolCallTurn,
  type MockUpstream,
  type ScriptedTurn,
} from 'ai-agent-gateway/testing';
import {
  clearProviderEnvironment,
  serveExample,
  type ServedExample,
} from '../__fixtures__/example-harness.js';
import { runA2aClient } from './a2a-client.js';
import { runMcpClient } from './mcp-client.js';

describe('example 13-agent-protocols', () => {
  let served: ServedExample | undefined;
  let upstream: MockUpstream | undefined;

  beforeEach(() => {
    clearProviderEnvironment();
    vi.resetModules();
  });

  afterEach(async () => {
    await served?.close();
    await upstream?.close();
    served = undefined;
    upstream = undefined;
    vi.unstubAllEnvs();
  });

  const serveWith = async (turns: ScriptedTurn[]) => {
    upstream = await createMockUpstream({ anthropic: turns });
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', upstream.url);
    const agent = await import('./agent.js');
    served = await serveExample(agent.default);
    return agent;
  };

  it("refunds an order for an A2A client once it approves the task's request", async () => {
    const agent = await serveWith([
      toolCallTurn('refund_order', { order: '1042' }, { id: 'toolu_refund' }),
      textTurn('Order 1042 is refunded.'),
    ]);
    const answer = await runA2aClient({
      baseUrl: served?.url ?? '',
      apiKey: 'any-key',
      text: 'Refund order 1042',
    });
    expect(answer).toBe('Order 1042 is refunded.');
    expect(agent.refunded).toEqual(['1042']);
  });

  it('answers an MCP host through its one tool', async () => {
    await serveWith([
      toolCallTurn('order_status', { order: '1042' }, { id: 'toolu_status' }),
      textTurn('Order 1042 has shipped.'),
    ]);
    const text = await runMcpClient({
      baseUrl: served?.url ?? '',
      apiKey: 'any-key',
      text: 'Status of 1042?',
    });
    expect(text).toBe('Order 1042 has shipped.');
  });
});
