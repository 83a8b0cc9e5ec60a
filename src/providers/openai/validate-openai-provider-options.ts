import { GatewayError } from '../../core/errors.js';
import type { OpenAIProviderOptions } from './openai-provider.js';

const fail = (message: string): never => {
  throw new GatewayError('invalid_option', `createOpenAIProvider: ${message}`);
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const checkOptionalString = (value: unknown, name: string): void => {
  if (value !== undefined && typeof value !== 'string') fail(`${name} must be a string`);
};

/**
 * Throws `GatewayError('invalid_option')` unless `value` is an http(s) URL. `name` says where the
 * value came from (`baseURL`, `OPENAI_BASE_URL`), so the message points at the culprit.
 */
export function assertHttpURL(value: string, name: string): void {
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    return fail(`${name} is not a valid URL: ${value}`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') fail(`${name} must be an http(s) URL: ${value}`);
}

const compatBooleans = ['supportsDeveloperRole', 'supportsStreamUsage', 'supportsReasoningEffort'] as const;
const maxTokensFields: readonly unknown[] = ['max_completion_tokens', 'max_tokens'];

const checkCompat = (compat: unknown): void => {
  if (compat === undefined) return;
  if (!isRecord(compat)) return fail('compat must be an object');
  if (compat.maxTokensField !== undefined && !maxTokensFields.includes(compat.maxTokensField)) {
    fail(`compat.maxTokensField must be 'max_completion_tokens' or 'max_tokens'`);
  }
  for (const key of compatBooleans) {
    if (compat[key] !== undefined && typeof compat[key] !== 'boolean')
      fail(`compat.${key} must be a boolean`);
  }
};

/**
 * Validates `createOpenAIProvider` options up front, so that misconfiguration fails at startup
 * with `GatewayError('invalid_option')` rather than on the first model turn. Options may come
 * from untyped JavaScript or JSON configuration, hence the runtime checks.
 */
export function validateOpenAIProviderOptions(options: OpenAIProviderOptions): void {
  const raw: unknown = options;
  if (!isRecord(raw)) return fail('options must be an object');
  checkOptionalString(raw.apiKey, 'apiKey');
  checkOptionalString(raw.organization, 'organization');
  checkOptionalString(raw.baseURL, 'baseURL');
  if (typeof raw.baseURL === 'string' && raw.baseURL.trim() !== '')
    assertHttpURL(raw.baseURL.trim(), 'baseURL');
  checkCompat(raw.compat);
  if (raw.defaultHeaders !== undefined) {
    if (!isRecord(raw.defaultHeaders)) fail('defaultHeaders must be an object of strings');
    else if (!Object.values(raw.defaultHeaders).every((value) => typeof value === 'string')) {
      fail('defaultHeaders values must be strings');
    }
  }
  const timeoutMs = raw.timeoutMs;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
  ) {
    fail('timeoutMs must be a positive number of milliseconds');
  }
}
