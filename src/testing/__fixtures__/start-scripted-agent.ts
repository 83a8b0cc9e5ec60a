import { afterEach } from 'vitest';
import { createAgent } from '../../server/assembly/create-agent.js';
import type { CreateAgentOptions } from '../../server/contracts/create-agent-options.js';
import type { GatewayApp } from '../../server/gateway-app.js';
import { createScriptedProvider, type ScriptedProvider } from '../scripted-provider.js';
import type { ScriptedTurn } from '../scripted-turn.js';

const opened: GatewayApp[] = [];
/**
 * Closes every app `startAgent` made after each test. Call it once at the top of a test file.
 */
export function closeAgentsAfterEach(): void {
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
  });
}

/** A `createAgent` app whose model is a scripted provider (model `scripted-model`). */
export function startAgent(
  turns: ScriptedTurn[],
  options: Omit<CreateAgentOptions, 'provider' | 'model' | 'systemPrompt'> = {},
): { app: GatewayApp; provider: ScriptedProvider } {
  const provider = createScriptedProvider({ turns });
  const app = createAgent({ systemPrompt: 'You are a test agent.', provider, model: 'scripted-model', ...options });
  opened.push(app);
  return { app, provider };
}

