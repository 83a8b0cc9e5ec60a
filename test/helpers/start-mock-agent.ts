import { createAgent } from '../../src/server/assembly/create-agent.js';
import type { CreateAgentOptions } from '../../src/server/contracts/create-agent-options.js';
import { createMockUpstream, type MockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import type { ScriptedTurn } from '../../src/testing/scripted-turn.js';
import type { CleanupStack } from './cleanup-stack.js';
import { startGatewayClient, type GatewayClient } from './gateway-client.js';

/** Options of `startMockAgent`. */
export interface StartMockAgentOptions {
  /** Which wire format the agent's provider speaks (default `anthropic`). */
  flavor?: 'anthropic' | 'openai';
  /** Scripted model turns, in order. */
  turns?: ScriptedTurn[] | undefined;
  /** More `createAgent` options (tools, timeouts, hooks…). */
  agent?: Omit<CreateAgentOptions, 'provider' | 'apiKey' | 'providerConfig' | 'systemPrompt'>;
  systemPrompt?: string;
  /** The gateway's port on 127.0.0.1 (default: a free one), e.g. one a provider's redirect names. */
  port?: number;
}

/** A mock model server and a gateway whose agent talks to it through the official SDK. */
export interface MockAgent {
  upstream: MockUpstream;
  gateway: GatewayClient;
}

/**
 * Starts a scripted upstream and a `createAgent` gateway pointed at it (`baseURL`), listening
 * on 127.0.0.1. Both are registered on `cleanup`: the gateway closes first, then the upstream.
 */
export async function startMockAgent(
  cleanup: CleanupStack,
  options: StartMockAgentOptions = {},
): Promise<MockAgent> {
  const flavor = options.flavor ?? 'anthropic';
  const upstream = cleanup.add(await createMockUpstream({ [flavor]: options.turns ?? [] }), (server) =>
    server.close(),
  );
  const app = createAgent({
    systemPrompt: options.systemPrompt ?? 'You are a test agent.',
    provider: flavor,
    apiKey: 'test-key',
    providerConfig: { baseURL: flavor === 'anthropic' ? upstream.url : upstream.openaiBaseURL },
    ...options.agent,
  });
  const gateway = cleanup.add(await startGatewayClient(app, options.port), (client) => client.close());
  return { upstream, gateway };
}
