import { describe, expect, it } from 'vitest';
import { runAutonomous } from '../src/headless/run-autonomous.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';

const provider = createScriptedProvider({ turns: [] });
/** A runtime builder the checks refuse before it is ever called. */
const buildChatRuntime = () => ({
  systemPrompt: 'x',
  createRunner: () => ({ run: () => Promise.reject(new Error('never runs')) }),
});

/** The message each entry point throws (or rejects with) for `extra` added to valid options. */
async function messagesFor(extra: Record<string, unknown>): Promise<Record<string, string>> {
  const messageOf = async (call: () => unknown): Promise<string> => {
    try {
      await call();
    } catch (error) {
      return (error as Error).message.replace(/^\w+: /, '');
    }
    throw new Error('the options were accepted');
  };
  return {
    createAgent: await messageOf(() => createAgent({ systemPrompt: 'x', provider, model: 'm', ...extra })),
    runAutonomous: await messageOf(() =>
      runAutonomous({
        systemPrompt: 'x',
        provider,
        model: 'm',
        headless: { initialMessage: 'go' },
        ...extra,
      }),
    ),
    createGatewayApp: await messageOf(() => createGatewayApp({ buildChatRuntime, ...extra })),
  };
}

describe('hook names at every entry point', () => {
  it.each(['onUsage', 'onToolResult', 'onToolTiming', 'onMaxTurns', 'onEvent', 'onToolCallComplete'])(
    'sends an old top-level %s to the same place from createAgent, runAutonomous and createGatewayApp',
    async (key) => {
      const messages = await messagesFor({ [key]: () => undefined });
      expect(messages.createAgent).toMatch(new RegExp(`^option '${key}' was replaced: use 'hooks\\.`));
      expect(messages.runAutonomous).toBe(messages.createAgent);
      expect(messages.createGatewayApp).toBe(messages.createAgent);
    },
  );

  it('points hooks.onToolCallComplete to hooks.onToolTiming everywhere', async () => {
    const messages = await messagesFor({ hooks: { onToolCallComplete: () => undefined } });
    for (const message of Object.values(messages)) {
      expect(message).toMatch(/^option 'hooks\.onToolCallComplete' was replaced: use 'hooks\.onToolTiming'/);
    }
  });

  it('says that onToolResult acts inside the agent loop when createGatewayApp is given it', () => {
    expect(() =>
      createGatewayApp({
        buildChatRuntime,
        hooks: { onToolResult: () => undefined },
      } as never),
    ).toThrow(/option 'hooks\.onToolResult' was replaced: acts inside the agent loop/);
  });
});
