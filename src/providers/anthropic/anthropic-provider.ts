import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages';
import { GatewayError, ProviderError } from '../../core/errors.js';
import type { ModelInfo, Provider, ProviderEvent, ProviderRequest } from '../../core/provider.js';
import { toAnthropicError } from './anthropic-errors.js';
import { getAnthropicModelInfo } from './anthropic-models.js';
import { buildAnthropicDefaultHeaders } from './anthropic-oauth.js';
import type { AnthropicProviderOptions } from './anthropic-provider-options.js';
import { buildAnthropicRequest } from './build-anthropic-request.js';
import { mapAnthropicStream } from './map-anthropic-stream.js';
import { withServerCompaction } from './with-server-compaction.js';
import { createNodeHttpFetch, NodeBodyResponse, type NodeHttpFetch } from '../transport/node-http-fetch.js';
import { readAnthropicEvents } from './read-anthropic-events.js';
import { resolveAnthropicSettings, type AnthropicSettings } from './resolve-anthropic-settings.js';

const createClient = (
  settings: AnthropicSettings,
  credential: string,
  fetch: NodeHttpFetch['fetch'] | undefined,
): Anthropic =>
  new Anthropic({
    ...(fetch === undefined ? {} : { fetch }),
    // Exactly one credential, the other explicitly null: the SDK then neither reads the
    // environment nor falls back to credential files on disk.
    ...(settings.authMode === 'oauth'
      ? { authToken: credential, apiKey: null }
      : { apiKey: credential, authToken: null }),
    // null (not undefined) keeps the SDK from re-reading ANTHROPIC_BASE_URL itself.
    baseURL: settings.baseURL ?? null,
    // The agent loop retries and announces every retry (`stream_retry`); hidden SDK retries
    // would double the attempts and hide them.
    maxRetries: 0,
    timeout: settings.timeoutMs,
    defaultHeaders: buildAnthropicDefaultHeaders(settings.authMode, settings.defaultHeaders),
  });

/**
 * Creates the Anthropic provider on the official SDK. Options are validated and merged with the
 * environment here, before any request. `stream` sends exactly one HTTP request per call (SDK
 * retries are off) and cancels it when `signal` aborts; every failure it throws is a
 * `ProviderError` classified for retry, or `GatewayError('aborted')` after cancellation.
 *
 * @throws GatewayError `invalid_option` for malformed options.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): Provider {
  const settings = resolveAnthropicSettings(options, process.env);
  const inFlight = new Set<AbortController>();
  const transport = settings.transport === 'lean' ? createNodeHttpFetch() : undefined;
  let client: Anthropic | undefined;
  let closed = false;

  const getModelInfo = (model: string): ModelInfo =>
    // A custom base URL is an Anthropic-compatible server with model names of its own.
    getAnthropicModelInfo(model, { allowAnyModel: settings.baseURL !== undefined });

  const prepare = (request: ProviderRequest): { params: MessageCreateParamsStreaming; client: Anthropic } => {
    if (closed) throw new ProviderError('anthropic provider is closed', { retryable: false });
    const credential = settings.credential;
    if (credential === undefined) {
      const variable = settings.authMode === 'oauth' ? 'ANTHROPIC_AUTH_TOKEN' : 'ANTHROPIC_API_KEY';
      const message = `no Anthropic credential configured for ${settings.authMode} mode (set ${variable})`;
      throw new ProviderError(message, { retryable: false });
    }
    try {
      getModelInfo(request.model);
      const params = buildAnthropicRequest(request, { authMode: settings.authMode });
      client ??= createClient(settings, credential, transport?.fetch);
      return { params, client };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ProviderError(`anthropic request not sent: ${detail}`, { retryable: false, cause: error });
    }
  };

  async function* stream(request: ProviderRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
    if (signal.aborted) {
      throw new GatewayError('aborted', 'anthropic request aborted', { cause: signal.reason });
    }
    const { params, client: activeClient } = prepare(request);
    // One controller per call, so that both the caller's signal and close() cancel it.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    inFlight.add(controller);
    try {
      const options = { signal: controller.signal };
      const call =
        request.compaction === undefined
          ? activeClient.messages.create(params, options)
          : activeClient.beta.messages.create(
              withServerCompaction(params, request.compaction, settings.authMode),
              options,
            );
      if (transport === undefined) {
        yield* mapAnthropicStream(await call);
      } else {
        // The SDK built, sent and checked the request; the body is read from the socket here.
        const response = await call.asResponse();
        if (!(response instanceof NodeBodyResponse)) {
          throw new ProviderError('anthropic lean transport got a response it did not make', {
            retryable: false,
          });
        }
        yield* mapAnthropicStream(readAnthropicEvents(response));
      }
    } catch (error) {
      throw toAnthropicError(error, controller.signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      inFlight.delete(controller);
    }
  }

  return {
    name: 'anthropic',
    hasCredential: () => settings.credential !== undefined,
    getModelInfo,
    stream,
    close() {
      closed = true;
      for (const controller of inFlight) controller.abort(new GatewayError('aborted', 'provider closed'));
      inFlight.clear();
      client = undefined;
      transport?.close();
      return Promise.resolve();
    },
  };
}
