import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../server/assembly/create-agent.js';
import { createGatewayApp } from '../server/create-gateway-app.js';
import type { GatewayApp } from '../server/gateway-app.js';
import { createTestClient } from '../testing/create-test-client.js';
import { applyDemoMode, DEMO_NOTICE } from './apply-demo-mode.js';
import { tool } from '../tools/define-tool.js';
import { z } from 'zod';

const apps: GatewayApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const demoOf = async (app: GatewayApp): Promise<{ app: GatewayApp; notices: string[] }> => {
  const notices: string[] = [];
  const demo = await applyDemoMode(app, (line) => notices.push(line));
  apps.push(demo);
  return { app: demo, notices };
};

describe('serve --demo (applyDemoMode)', () => {
  it('shows a tool card, an approval and a client tool for the quickstart agent with no key', async () => {
    const { app, notices } = await demoOf(
      createAgent({
        systemPrompt: 'You are a concise research assistant.',
        server: { playground: true },
      }),
    );
    expect(notices.join('\n')).toMatch(/demo mode: .*get_weather, send_email behind an approval, ask_user/);
    const client = createTestClient(app);
    await client.init();

    const first = await client.chat({ message: 'Hello!' });
    const card = await first.waitFor('tool_call_complete');
    expect(card).toMatchObject({ tool_name: 'get_weather', error: null });
    expect(await first.text()).toContain('get_weather returned');
    expect(first.terminal?.type).toBe('stream_complete');

    const history = [
      { role: 'user' as const, content: 'Hello!' },
      { role: 'assistant' as const, content: 'It is sunny.' },
      { role: 'user' as const, content: 'And now?' },
    ];
    const second = await client.chat({ messages: history });
    const approval = await second.waitFor('tool_approval_request');
    expect(approval.tool_name).toBe('send_email');
    await client.approve(approval, { approved: true });
    expect(await second.text()).toContain('send_email returned');

    const third = await client.chat({
      messages: [...history, { role: 'assistant', content: 'Sent.' }, { role: 'user', content: 'Go on' }],
    });
    const asked = await third.waitFor('tool_call_start');
    expect(asked).toMatchObject({ tool_name: 'ask_user', execution_location: 'client' });
    await client.submitToolResult(asked, { result: { answer: 'blue' } });
    expect(await third.text()).toContain('ask_user returned: {"answer":"blue"}');

    const page = await app.fetch(new Request('http://localhost/playground'));
    expect(await page.text()).toContain(DEMO_NOTICE);
  });

  it("calls the agent's own tools, and the one a message names, instead of demo tools", async () => {
    const lookup = tool({
      name: 'lookup_order',
      description: 'Looks up an order.',
      inputSchema: z.object({ order_id: z.string(), quantity: z.number().int().min(1) }),
      execute: ({ order_id, quantity }) => ({ order_id, quantity, status: 'shipped' }),
    });
    const other = tool({
      name: 'cancel_order',
      description: 'Cancels an order.',
      inputSchema: z.object({ order_id: z.string() }),
      execute: ({ order_id }) => ({ order_id, cancelled: true }),
    });
    const { app, notices } = await demoOf(
      createAgent({ systemPrompt: 'Orders.', tools: [lookup, other], apiKey: 'sk-not-used' }),
    );
    expect(notices.join('\n')).toContain("calls the agent's own tools");
    const client = createTestClient(app);
    await client.init();
    const run = await client.chat({ message: 'please cancel order 7' });
    const done = await run.waitFor('tool_call_complete');
    expect(done).toMatchObject({
      tool_name: 'cancel_order',
      result: { order_id: 'demo order_id', cancelled: true },
    });
    await run.collect();
    expect(run.terminal?.type).toBe('stream_complete');
  });

  it('refuses an app built with createGatewayApp, which brings its own runtime', async () => {
    const app = createGatewayApp({
      buildChatRuntime: () => {
        throw new Error('not used');
      },
    });
    apps.push(app);
    await expect(applyDemoMode(app, () => {})).rejects.toThrow(
      /--demo needs an agent module built with createAgent/,
    );
  });
});
