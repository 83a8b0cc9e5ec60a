import { z } from 'zod';
import { parseOptions } from '../../core/parse-options.js';
import { httpProviderOptionsShape } from '../http-provider-options.js';
import type { OpenAICompatOverrides } from './openai-compat.js';

/** Overrides for servers that accept only part of the Chat Completions format (see `OpenAICompat`). */
const compatSchema = z.strictObject({
  maxTokensField: z.enum(['max_completion_tokens', 'max_tokens']).optional(),
  supportsDeveloperRole: z.boolean().optional(),
  supportsStreamUsage: z.boolean().optional(),
  supportsReasoningEffort: z.boolean().optional(),
}) satisfies z.ZodType<OpenAICompatOverrides>;

/** The options of `createOpenAIProvider`. */
export const openAIProviderOptionsSchema = z.strictObject({
  ...httpProviderOptionsShape,
  /** API key; falls back to env `OPENAI_API_KEY`. A blank value counts as absent. */
  apiKey: httpProviderOptionsShape.apiKey,
  /**
   * Base URL of an OpenAI-compatible API (`http://localhost:11434/v1` for Ollama, vLLM, LM Studio,
   * OpenRouter…); falls back to env `OPENAI_BASE_URL`. With a custom base URL no API key is
   * needed and any model name is accepted, priced at zero.
   */
  baseURL: httpProviderOptionsShape.baseURL,
  /** OpenAI organization id; when absent the SDK reads env `OPENAI_ORG_ID`. */
  organization: z.string().optional(),
  /** Overrides for servers that accept only part of the Chat Completions format. */
  compat: compatSchema.optional(),
  /** Headers sent with every request (OpenRouter's `HTTP-Referer`, proxies' auth, …). */
  defaultHeaders: httpProviderOptionsShape.defaultHeaders,
  /** `lean` (default): our socket reader; `sdk`: the SDK's own fetch and stream decoder. */
  transport: httpProviderOptionsShape.transport,
});

/** Options of `createOpenAIProvider`. */
export type OpenAIProviderOptions = z.input<typeof openAIProviderOptionsSchema>;

/**
 * Validates `createOpenAIProvider` options up front, so that misconfiguration fails at startup
 * with `GatewayError('invalid_option')` rather than on the first model turn. Options may come
 * from untyped JavaScript or JSON configuration, hence the runtime checks.
 */
export function parseOpenAIProviderOptions(options: OpenAIProviderOptions): OpenAIProviderOptions {
  return parseOptions(openAIProviderOptionsSchema, options, 'createOpenAIProvider');
}
