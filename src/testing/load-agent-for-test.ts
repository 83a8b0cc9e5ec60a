import { z } from 'zod';
import { loadAgentModule } from '../cli/load-agent-module.js';
import { implementing, parseOptions } from '../core/parse-options.js';
import type { Provider } from '../core/provider.js';
import { rebuildAgent } from '../server/assembly/rebuild-agent.js';
import { withProvider } from '../server/assembly/rebuild-agent.js';
import type { GatewayApp } from '../server/gateway-app.js';
import type { MockUpstream } from './mock-upstream/mock-upstream.js';

/**
 * What plays the model for `loadAgentForTest`: a provider in process (`createScriptedProvider`),
 * or a mock upstream server that the agent's own provider (Anthropic or OpenAI, through its
 * official SDK) is pointed at.
 */
export type TestModel = { provider: Provider; model?: string } | { upstream: MockUpstream };

/** Options of `loadAgentForTest`. */
export interface LoadAgentForTestOptions {
  /** Directory `file` is resolved against (default `process.cwd()`). */
  cwd?: string;
}

const loadAgentForTestArgumentsSchema = z.strictObject({
  file: z.string().min(1),
  model: z.union(
    [
      z.strictObject({
        provider: implementing<Provider>('a Provider', ['stream', 'getModelInfo', 'hasCredential']),
        model: z.string().min(1).optional(),
      }),
      z.strictObject({
        upstream: z.custom<MockUpstream>(
          (value) =>
            typeof value === 'object' && value !== null && typeof Reflect.get(value, 'url') === 'string',
        ),
      }),
    ],
    { error: 'must be { provider } (e.g. createScriptedProvider()) or { upstream } (createMockUpstream())' },
  ),
  options: z.strictObject({ cwd: z.string().min(1).optional() }),
});

/**
 * Loads your agent module unchanged (`.ts` or `.js`, its default or `app` export, as
 * `agent-gateway serve` does) and returns its app with the model replaced for a test: every
 * other option (tools, approvals, MCP, skills, limits) is the module's own. With `{ upstream }`
 * the module's provider talks to the mock server with a test key, so the official SDK and its
 * wire format are exercised; with `{ provider }` the model runs in process. Close the app when
 * done. Only modules built with `createAgent` can be loaded this way.
 */
export async function loadAgentForTest(
  file: string,
  model: TestModel,
  options: LoadAgentForTestOptions = {},
): Promise<GatewayApp> {
  parseOptions(loadAgentForTestArgumentsSchema, { file, model, options }, 'loadAgentForTest');
  const app = await loadAgentModule(file, options.cwd);
  return rebuildAgent(
    app,
    (spec) => {
      if ('provider' in model) return withProvider(spec, model.provider, model.model ?? 'test-model');
      const openai = spec.provider === 'openai';
      const { authToken: _authToken, ...rest } = spec;
      return {
        ...rest,
        apiKey: 'test-key',
        providerConfig: {
          ...spec.providerConfig,
          baseURL: openai ? model.upstream.openaiBaseURL : model.upstream.url,
        },
      };
    },
    'loadAgentForTest',
  );
}
