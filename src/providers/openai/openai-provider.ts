import type OpenAI from 'openai';
import { GatewayError, ProviderError } from '../../core/errors.js';
import type { ModelInfo, Provider, ProviderEvent, ProviderRequest } from '../../core/provider.js';
import { buildOpenAIRequest } from './build-openai-request.js';
import { mapOpenAIStream } from './map-openai-stream.js';
import { assertHttpURLVariable } from '../http-provider-options.js';
import { isOfficialOpenAIBaseURL, OPENAI_DEFAULT_BASE_URL, resolveOpenAICompat } from './openai-compat.js';
import { toOpenAIProviderError } from './openai-errors.js';
import { OPENAI_PROVIDER_NAME, resolveOpenAIModel } from './openai-models.js';
import { parseOpenAIProviderOptions, type OpenAIProviderOptions } from './openai-provider-options.js';
import { readOpenAIChunks } from './read-openai-chunks.js';
import { loadOpenAISdk, type OpenAISdk } from './openai-sdk.js';
import { createModelTransport, NodeBodyResponse } from '../transport/model-transport.js';

export type { OpenAIProviderOptions } from './openai-provider-options.js';

/** Sent as the key to servers that need none: the SDK refuses to start without one. */
const placeholderApiKey = 'not-needed';

const nonBlank = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/**
 * Creates the OpenAI provider: Chat Completions streaming through the official SDK, for the
 * OpenAI API and any OpenAI-compatible server. Options are validated (and env fallbacks read)
 * here, before any request. The SDK's own retries are off, so one `stream()` call is exactly
 * one HTTP request: retrying, with `stream_retry` events, is the agent loop's job.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): Provider {
  const settings = parseOpenAIProviderOptions(options);
  const apiKey = nonBlank(settings.apiKey) ?? nonBlank(process.env.OPENAI_API_KEY);
  const environmentBaseURL = nonBlank(process.env.OPENAI_BASE_URL);
  if (nonBlank(settings.baseURL) === undefined && environmentBaseURL !== undefined) {
    assertHttpURLVariable(environmentBaseURL, 'OPENAI_BASE_URL', 'createOpenAIProvider');
  }
  const configuredBaseURL = nonBlank(settings.baseURL) ?? environmentBaseURL;
  const baseURL = configuredBaseURL ?? OPENAI_DEFAULT_BASE_URL;
  const officialHost = isOfficialOpenAIBaseURL(baseURL);
  const customHost = !officialHost;

  const lifetime = new AbortController();
  const transport = (settings.transport ?? 'lean') === 'lean' ? createModelTransport() : undefined;
  /** The SDK's client, with the SDK it came from (loaded at the first call: `loadOpenAISdk`). */
  let client: { api: OpenAI; sdk: OpenAISdk } | undefined;

  const createClient = async (): Promise<{ api: OpenAI; sdk: OpenAISdk }> => {
    const sdk = await loadOpenAISdk();
    client ??= {
      sdk,
      api: new sdk.default({
        apiKey: apiKey ?? placeholderApiKey,
        baseURL,
        ...(settings.organization === undefined ? {} : { organization: settings.organization }),
        ...(settings.defaultHeaders === undefined ? {} : { defaultHeaders: settings.defaultHeaders }),
        ...(settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs }),
        maxRetries: 0,
        ...(transport === undefined ? {} : { fetch: transport.fetch }),
      }),
    };
    return client;
  };

  const getModelInfo = (model: string): ModelInfo =>
    resolveOpenAIModel(model, { acceptUnknown: customHost }).info;

  async function* stream(request: ProviderRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
    if (lifetime.signal.aborted) {
      throw new ProviderError('openai: the provider is closed', { retryable: false });
    }
    if (signal.aborted) throw new GatewayError('aborted', 'openai: the request was aborted');
    if (apiKey === undefined && officialHost) {
      throw new ProviderError('openai: no API key configured (set apiKey or OPENAI_API_KEY)', {
        retryable: false,
      });
    }
    const model = resolveOpenAIModel(request.model, { acceptUnknown: customHost });
    const compat = resolveOpenAICompat(baseURL, model.compat, settings.compat);
    const body = buildOpenAIRequest({ request, model, compat, officialHost });
    // close() cancels streams in flight, as does the caller's signal.
    const combined = AbortSignal.any([signal, lifetime.signal]);
    try {
      const { api, sdk } = client ?? (await createClient());
      const call = api.chat.completions.create(body, { signal: combined });
      if (transport === undefined) {
        yield* mapOpenAIStream(await call);
      } else {
        // The SDK built, sent and checked the request; the body is read from the socket here.
        const response = await call.asResponse();
        if (!(response instanceof NodeBodyResponse)) {
          throw new ProviderError('openai: the lean transport got a response it did not make', {
            retryable: false,
          });
        }
        yield* mapOpenAIStream(readOpenAIChunks(response, sdk.APIError));
      }
    } catch (error) {
      throw toOpenAIProviderError(error, combined);
    }
    // The SDK ends an aborted stream quietly; after a finish_reason it would look complete.
    if (combined.aborted) throw new GatewayError('aborted', 'openai: the request was aborted');
  }

  return {
    name: OPENAI_PROVIDER_NAME,
    hasCredential: () => apiKey !== undefined || customHost,
    getModelInfo,
    stream,
    close() {
      lifetime.abort();
      client = undefined;
      transport?.close();
      return Promise.resolve();
    },
  };
}
