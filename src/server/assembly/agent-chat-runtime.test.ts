import { describe, expect, it } from 'vitest';
import type { ChatRequestInfo } from '../contracts/gateway-config.js';
import { createAgentChatRuntime, type AgentChatSettings } from './agent-chat-runtime.js';

/** What the runtime reads of an agent without tools: its prompt, model and turn limit. */
const settings = {
  systemPrompt: 'You are terse.',
  model: 'agent-model',
  maxTurns: 3,
  loopSettings: {},
  provider: { name: 'scripted' },
  loop: { settings: { maxTokens: 2_000 } },
  hooks: {},
  toolSetup: {},
} as unknown as AgentChatSettings;

const requestFor = (model: string | null | undefined): ChatRequestInfo =>
  ({ request: { messages: [], context: {}, model } }) as unknown as ChatRequestInfo;

describe('createAgentChatRuntime', () => {
  it("serves every chat on the agent's model with one runtime, made once", () => {
    const build = createAgentChatRuntime(settings);
    const first = build(requestFor(undefined));
    expect(build(requestFor(null))).toBe(first);
    expect(first).toMatchObject({ systemPrompt: 'You are terse.', model: 'agent-model', maxTurns: 3 });
    // How the gateway's budgets price its calls before the run starts.
    expect(first).toMatchObject({ modelCalls: { provider: 'scripted', maxTokens: 2_000 } });
  });

  it('gives a chat that names its model a runtime of that model', () => {
    const build = createAgentChatRuntime(settings);
    expect(build(requestFor('other-model'))).toMatchObject({ model: 'other-model', maxTurns: 3 });
    expect(build(requestFor(undefined))).toMatchObject({ model: 'agent-model' });
  });

  it('leaves maxTurns out when the agent sets none', () => {
    const runtime = createAgentChatRuntime({ ...settings, maxTurns: undefined })(requestFor(undefined));
    expect('maxTurns' in runtime).toBe(false);
  });
});
