import { z } from 'zod';
import { parseValue, positiveNumber } from '../core/parse-options.js';

/** Whether `value` parses as an `http:` or `https:` URL. */
const isHttpURL = (value: string): boolean => {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
};

/**
 * The options both provider factories take, with the same meaning: a credential, the API origin
 * (blank counts as unset), extra headers and the time to wait for a response to start.
 */
export const httpProviderOptionsShape = {
  /** API key; blank counts as absent (each provider then reads its own environment variable). */
  apiKey: z.string().optional(),
  /** API origin (an http(s) URL; blank counts as absent). */
  baseURL: z
    .string()
    .refine((value) => value.trim() === '' || isHttpURL(value.trim()), { message: 'must be an http(s) URL' })
    .optional(),
  /** Extra headers on every request. */
  defaultHeaders: z.record(z.string(), z.string()).optional(),
  /** Time to wait for the response to start, in milliseconds (default: the SDK's 10 minutes). */
  timeoutMs: positiveNumber().optional(),
  /**
   * How the bytes travel (default `lean`). Both authenticate and classify every request with
   * the official SDK. `lean` gives the SDK a keep-alive `node:http(s)` fetch and parses the
   * streamed answer straight from the socket; a plain streamed Anthropic call with an API key
   * is sent there with the request the SDK built once for the provider (the SDK's per-call
   * request, span and logs are skipped while no tracer or propagator is registered and SDK
   * logs are below `info`; otherwise the SDK sends it). `sdk` is the SDK's own path (WHATWG
   * `fetch`, web streams and the SDK's stream decoder), e.g. for a custom global `fetch` or
   * dispatcher.
   */
  transport: z.enum(['lean', 'sdk']).optional(),
};

/** How a provider moves its bytes; see `httpProviderOptionsShape.transport`. */
export type ProviderTransport = 'lean' | 'sdk';

/**
 * Throws `GatewayError('invalid_option')` from `caller` unless `value`, read from the
 * environment variable `variable`, is an http(s) URL: a bad base URL fails at startup, naming
 * the variable, rather than on the first model turn.
 */
export function assertHttpURLVariable(value: string, variable: string, caller: string): void {
  const httpUrl = z.string().refine(isHttpURL, {
    error: (issue) => `${variable} must be an http(s) URL, got ${JSON.stringify(issue.input)}`,
  });
  parseValue(httpUrl, value, caller);
}
