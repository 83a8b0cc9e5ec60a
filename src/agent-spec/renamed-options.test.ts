import { describe, expect, it } from 'vitest';
import { createAgent } from '../server/assembly/create-agent.js';
import { createGatewayApp } from '../server/create-gateway-app.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';

/** The message `call` throws for options it refuses. */
const messageOf = (call: () => unknown): string => {
  try {
    call();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the options were accepted');
};

const buildChatRuntime = () => ({
  systemPrompt: 'x',
  createRunner: () => ({ run: () => Promise.reject(new Error('never runs')) }),
});

describe('the caps on pending answers under their old names', () => {
  const server = { maxParkedCallsPerApiKey: 8, maxParkedCallsPerSession: 4 };
  const expected =
    "option 'server.maxParkedCallsPerApiKey' was replaced: use 'server.maxPendingAnswersPerApiKey'; " +
    "option 'server.maxParkedCallsPerSession' was replaced: use 'server.maxPendingAnswersPerSession'";

  it('answers createAgent with the new names', () => {
    const provider = createScriptedProvider({ turns: [] });
    expect(messageOf(() => createAgent({ systemPrompt: 'x', provider, model: 'm', server } as never))).toBe(
      `createAgent: ${expected}`,
    );
  });

  it('answers createGatewayApp with the new names', () => {
    expect(messageOf(() => createGatewayApp({ buildChatRuntime, server } as never))).toBe(
      `createGatewayApp: ${expected}`,
    );
  });

  it('takes the new names', () => {
    const provider = createScriptedProvider({ turns: [] });
    const renamed = { maxPendingAnswersPerApiKey: 8, maxPendingAnswersPerSession: 4 };
    expect(() => createAgent({ systemPrompt: 'x', provider, model: 'm', server: renamed })).not.toThrow();
  });

  it('names the new field to stores of your own that give the old one', () => {
    const provider = createScriptedProvider({ turns: [] });
    const store = { sessions: {}, pendingTools: {}, bus: {}, close: () => Promise.resolve() };
    expect(
      messageOf(() => createAgent({ systemPrompt: 'x', provider, model: 'm', server: { store } } as never)),
    ).toContain(
      "a GatewayStores object's store of pending answers is 'pendingAnswers' (formerly 'pendingTools')",
    );
  });
});
