import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayApp } from '../server/gateway-app.js';
import { createTestClient } from './create-test-client.js';
import { loadAgentForTest } from './load-agent-for-test.js';
import { createMockUpstream, type MockUpstream } from './mock-upstream/mock-upstream.js';
import { createScriptedProvider } from './scripted-provider.js';
import { textTurn, toolCallTurn } from './scripted-turn.js';

const agentFile = fileURLToPath(new URL('./__fixtures__/support-agent.ts', import.meta.url));
const opened: Array<GatewayApp | MockUpstream> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((resource) => resource.close()));
});

const approveAndFinish = async (app: GatewayApp): Promise<string> => {
  const client = createTestClient(app);
  await client.init();
  const run = await client.chat({ message: 'Where is order A-1001?' });
  const request = await run.waitFor('tool_approval_request');
  expect(request.tool_name).toBe('lookup_order');
  await client.approve(request, { approved: true });
  expect(await run.waitFor('tool_call_complete')).toMatchObject({ result: { status: 'shipped' } });
  return run.text();
};

describe('loadAgentForTest', () => {
  it('tests an unchanged agent module with its own tools and approvals against a scripted provider', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('lookup_order', { order_id: 'A-1001' }), textTurn('It has shipped.')],
    });
    const app = await loadAgentForTest(agentFile, { provider });
    opened.push(app);
    expect(await approveAndFinish(app)).toBe('It has shipped.');
    provider.assertAllConsumed();
  });

  it("points the module's own provider (the Anthropic SDK) at a mock upstream", async () => {
    const upstream = await createMockUpstream({
      anthropic: [toolCallTurn('lookup_order', { order_id: 'A-1001' }), textTurn('Shipped, via the SDK.')],
    });
    opened.push(upstream);
    const app = await loadAgentForTest(agentFile, { upstream });
    opened.push(app);
    expect(await approveAndFinish(app)).toBe('Shipped, via the SDK.');
    expect(upstream.requests).toHaveLength(2);
    expect(upstream.requests[0]?.body).toMatchObject({ model: 'claude-sonnet-4-6' });
  });

  it('says which module it could not find', async () => {
    await expect(
      loadAgentForTest('no-such-agent.ts', { upstream: { url: 'http://127.0.0.1:9' } as MockUpstream }),
    ).rejects.toThrow(/Agent module not found: .*no-such-agent\.ts/);
  });
});
