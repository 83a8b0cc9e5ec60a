import type { Provider } from '../../core/provider.js';
import type { GatewayApp } from '../gateway-app.js';
import { createAgent } from './create-agent.js';
import type { CreateAgentOptions } from '../contracts/create-agent-options.js';

/**
 * A new app from the options a `createAgent` app was made with, changed by `change`; the app
 * given is closed (it must not have started: its startup hooks have not run). `purpose` names
 * the caller in the error for an app `createGatewayApp` made, which has no options to change.
 */
export async function rebuildAgent(
  app: GatewayApp,
  change: (spec: CreateAgentOptions) => CreateAgentOptions,
  purpose: string,
): Promise<GatewayApp> {
  const spec = app.agentDefinition?.spec;
  if (spec === undefined) {
    throw new Error(
      `${purpose} needs an agent module built with createAgent: a createGatewayApp app brings its own runtime`,
    );
  }
  const rebuilt = createAgent(change(spec));
  await app.close();
  return rebuilt;
}

/** The options with `provider` in place of the configured one and its credentials. */
export function withProvider(
  spec: CreateAgentOptions,
  provider: Provider,
  model: string,
): CreateAgentOptions {
  const { apiKey: _apiKey, authToken: _authToken, providerConfig: _providerConfig, ...rest } = spec;
  return { ...rest, provider, model: spec.model ?? model };
}
