/** The base URL of the official OpenAI API; the SDK's default. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Switches for OpenAI-compatible servers (Ollama, vLLM, LM Studio, OpenRouter, …) that accept
 * the Chat Completions format but not every field of it. Every switch defaults to what the
 * official API accepts.
 */
export interface OpenAICompat {
  /** Which request field carries the output limit; older servers only know `max_tokens`. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** Whether reasoning models may receive the system prompt as a `developer` message. */
  supportsDeveloperRole: boolean;
  /** Whether `stream_options: { include_usage: true }` is accepted (it yields token usage). */
  supportsStreamUsage: boolean;
  /** Whether `reasoning_effort` may be sent to reasoning models. */
  supportsReasoningEffort: boolean;
}

const hostOf = (baseURL: string): string => {
  try {
    return new URL(baseURL).hostname.toLowerCase();
  } catch {
    return '';
  }
};

/** Whether a base URL points at the official OpenAI API host. */
export function isOfficialOpenAIBaseURL(baseURL: string): boolean {
  return hostOf(baseURL) === 'api.openai.com';
}

/** Hosts known to reject `max_completion_tokens` (the request switches to `max_tokens` for them). */
const maxTokensHosts = ['chutes.ai'];

/** Some of the compat switches; a switch left out or set to `undefined` keeps its default. */
export type OpenAICompatOverrides = { [K in keyof OpenAICompat]?: OpenAICompat[K] | undefined };

// `{ ...{ a: 1 }, ...{ a: undefined } }` would erase the default; explicit undefined means "unset".
const withoutUndefined = (overrides: OpenAICompatOverrides | undefined): Partial<OpenAICompat> =>
  Object.fromEntries(Object.entries(overrides ?? {}).filter(([, value]) => value !== undefined));

/**
 * Resolves the compat switches for one request. Later layers win: defaults for the host, then
 * what the model is known to lack, then what the user configured explicitly.
 */
export function resolveOpenAICompat(
  baseURL: string,
  modelOverrides: OpenAICompatOverrides | undefined,
  userOverrides: OpenAICompatOverrides | undefined,
): OpenAICompat {
  const host = hostOf(baseURL);
  const usesMaxTokens = maxTokensHosts.some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
  const defaults: OpenAICompat = {
    maxTokensField: usesMaxTokens ? 'max_tokens' : 'max_completion_tokens',
    supportsDeveloperRole: true,
    supportsStreamUsage: true,
    supportsReasoningEffort: true,
  };
  return { ...defaults, ...withoutUndefined(modelOverrides), ...withoutUndefined(userOverrides) };
}
