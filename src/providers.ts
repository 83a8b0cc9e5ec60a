/**
 * `ai-agent-gateway/providers`: the model providers and the contract a provider of your own
 * implements.
 */
export { createAnthropicProvider } from './providers/anthropic/anthropic-provider.js';
export type {
  AnthropicAuthMode,
  AnthropicProviderOptions,
} from './providers/anthropic/anthropic-provider-options.js';
export { createOpenAIProvider } from './providers/openai/openai-provider.js';
export type { OpenAIProviderOptions } from './providers/openai/openai-provider.js';
export type { OpenAICompat } from './providers/openai/openai-compat.js';
export { createDemoProvider, DEMO_MODEL } from './providers/demo/demo-provider.js';
export type { DemoProviderOptions } from './providers/demo/demo-provider.js';
export type {
  ModelInfo,
  ModelPricing,
  Provider,
  ProviderEvent,
  ProviderRequest,
  ThinkingLevel,
  TurnUsage,
} from './core/provider.js';
export { estimateCost } from './agent/usage.js';
