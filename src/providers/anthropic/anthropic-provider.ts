import type { MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages';
import { GatewayError, ProviderError } from '../../core/errors.js';
import { ChurnSet } from '../../core/churn-map.js';
import type {
  ModelInfo,
  Provider,
  ProviderEvent,
  ProviderEventIterator,
  ProviderRequest,
} from '../../core/provider.js';
import { toAnthropicError } from './anthropic-errors.js';
import { assertAnthropicModel, getAnthropicModelInfo } from './anthropic-models.js';
import { createAnthropicClient, type AnthropicClient } from './anthropic-client.js';
import type { AnthropicProviderOptions } from './anthropic-provider-options.js';
import { buildAnthropicRequest } from './build-anthropic-request.js';
import { mapAnthropicStream } from './map-anthropic-stream.js';
import { withServerCompaction } from './with-server-compaction.js';
import { createModelTransport, NodeBodyResponse, type ModelTransport } from '../transport/model-transport.js';
import {
  directMessagesTemplateOf,
  sdkCallIsObservable,
  sendDirectMessages,
  type DirectMessagesTemplate,
} from './direct-messages-call.js';
import { AnthropicEventReader, type StreamedAnthropicResponse } from './read-anthropic-events.js';
import { resolveAnthropicSettings } from './resolve-anthropic-settings.js';

/** The reader of a lean call's body while its generator reads it (`takeReady`, `whenReady` too). */
interface LeanRead {
  reader: AnthropicEventReader | undefined;
}

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
  const inFlight = new ChurnSet<AbortController>();
  const transport = settings.transport === 'lean' ? createModelTransport() : undefined;
  let client: AnthropicClient | undefined;
  let template: Promise<DirectMessagesTemplate | undefined> | undefined;
  /** What `template` resolved to (`false`: no direct call), once it did. */
  let settledTemplate: DirectMessagesTemplate | false | undefined;
  let closed = false;

  // A custom base URL is an Anthropic-compatible server with model names of its own.
  const modelOptions = { allowAnyModel: settings.baseURL !== undefined };
  const getModelInfo = (model: string): ModelInfo => getAnthropicModelInfo(model, modelOptions);

  const prepare = (
    request: ProviderRequest,
  ): { params: MessageCreateParamsStreaming; client: AnthropicClient } => {
    if (closed) throw new ProviderError('anthropic provider is closed', { retryable: false });
    const credential = settings.credential;
    if (credential === undefined) {
      const variable = settings.authMode === 'oauth' ? 'ANTHROPIC_AUTH_TOKEN' : 'ANTHROPIC_API_KEY';
      const message = `no Anthropic credential configured for ${settings.authMode} mode (set ${variable})`;
      throw new ProviderError(message, { retryable: false });
    }
    try {
      assertAnthropicModel(request.model, modelOptions);
      const params = buildAnthropicRequest(request, { authMode: settings.authMode });
      client ??= createAnthropicClient(settings, credential, transport?.fetch);
      return { params, client };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ProviderError(`anthropic request not sent: ${detail}`, { retryable: false, cause: error });
    }
  };

  /** The SDK's call, compaction through its beta endpoint. */
  const send = (
    activeClient: AnthropicClient,
    params: MessageCreateParamsStreaming,
    request: ProviderRequest,
    signal: AbortSignal,
  ) =>
    request.compaction === undefined
      ? activeClient.messages.create(params, { signal })
      : activeClient.beta.messages.create(
          withServerCompaction(params, request.compaction, settings.authMode),
          { signal },
        );

  /** The SDK's call over the lean transport: the body is still on the socket. */
  const sendThroughSdk = async (
    activeClient: AnthropicClient,
    params: MessageCreateParamsStreaming,
    request: ProviderRequest,
    signal: AbortSignal,
  ): Promise<StreamedAnthropicResponse> => {
    const response = await send(activeClient, params, request, signal).asResponse();
    if (!(response instanceof NodeBodyResponse)) {
      throw new ProviderError('anthropic lean transport got a response it did not make', {
        retryable: false,
      });
    }
    return response;
  };

  /** Asks the SDK, on the first call, for the direct call's template (`settledTemplate`). */
  const settleTemplate = async (activeClient: AnthropicClient): Promise<void> => {
    template ??= directMessagesTemplateOf(activeClient);
    settledTemplate = (await template) ?? false;
  };

  /**
   * The template a call is sent directly with (see `sendLean`), once it is known; undefined for
   * a call that goes through the SDK, or that `sendLean` sends once the template is settled.
   */
  const directTemplateFor = (
    request: ProviderRequest,
    params: MessageCreateParamsStreaming,
  ): DirectMessagesTemplate | undefined => {
    const direct = settledTemplate;
    if (direct === undefined || direct === false || request.compaction !== undefined) return undefined;
    if (settings.authMode !== 'api' || params.user_profile_id !== undefined) return undefined;
    if (params.workspace_id !== undefined || sdkCallIsObservable(direct)) return undefined;
    return direct;
  };

  /**
   * The lean transport's call. A plain streamed `messages.create` with an API key, while
   * nothing observes the SDK's own work, is sent directly with the request the SDK built once;
   * anything else (compaction, OAuth's per-call betas, a registered tracer or propagator, SDK
   * request logs) goes through the SDK, which sends it with the lean `fetch`. Either way the
   * body is read from the socket here. Once the template is known, a direct call is the direct
   * call's own promise, with no async step of its own.
   */
  const sendLean = (
    lean: ModelTransport,
    activeClient: AnthropicClient,
    params: MessageCreateParamsStreaming,
    request: ProviderRequest,
    signal: AbortSignal,
  ): Promise<StreamedAnthropicResponse> => {
    // The SDK sends these two parameters as headers, not in the body: such a call stays its own.
    const asHeaders = params.user_profile_id !== undefined || params.workspace_id !== undefined;
    if (request.compaction === undefined && settings.authMode === 'api' && !asHeaders) {
      const direct = settledTemplate;
      if (direct === undefined) {
        return settleTemplate(activeClient).then(() => sendLean(lean, activeClient, params, request, signal));
      }
      if (direct !== false && !sdkCallIsObservable(direct)) {
        return sendDirectMessages(lean, activeClient, direct, params, signal);
      }
    }
    return sendThroughSdk(activeClient, params, request, signal);
  };

  /**
   * Streams one turn: the generator below, whose iterator also hands over the events of the
   * body it reads as they arrive (`takeReady`, `whenReady`), without a generator step each.
   */
  function stream(request: ProviderRequest, signal: AbortSignal): AsyncIterable<ProviderEvent> {
    const lean: LeanRead = { reader: undefined };
    const events: AsyncGenerator<ProviderEvent> & ProviderEventIterator = streamEvents(request, signal, lean);
    events.takeReady = () => lean.reader?.takeReady();
    events.whenReady = (callback) => lean.reader?.whenReady(callback) ?? false;
    return events;
  }

  async function* streamEvents(
    request: ProviderRequest,
    signal: AbortSignal,
    lean: LeanRead,
  ): AsyncGenerator<ProviderEvent> {
    if (signal.aborted) {
      throw new GatewayError('aborted', 'anthropic request aborted', { cause: signal.reason });
    }
    const { params, client: activeClient } = prepare(request);
    const direct = transport === undefined ? undefined : directTemplateFor(request, params);
    // One controller per call, so that both the caller's signal and close() cancel it; except a
    // direct call's (an AbortSignal and a listener per call): the transport listens to the
    // caller's signal itself, and close() destroys the transport under it.
    const controller = direct === undefined ? new AbortController() : undefined;
    const callSignal = controller?.signal ?? signal;
    const onAbort = controller === undefined ? undefined : (): void => controller.abort(signal.reason);
    if (onAbort !== undefined) signal.addEventListener('abort', onAbort, { once: true });
    const ticket = controller === undefined ? undefined : inFlight.add(controller);
    try {
      if (transport === undefined) {
        yield* mapAnthropicStream(await send(activeClient, params, request, callSignal));
        return;
      }
      // The lean path reads the body here, one generator from the socket to the agent loop.
      const reader = new AnthropicEventReader(
        await (direct === undefined
          ? sendLean(transport, activeClient, params, request, callSignal)
          : sendDirectMessages(transport, activeClient, direct, params, signal)),
      );
      lean.reader = reader;
      try {
        for (;;) {
          const event = reader.take();
          if (event === 'end') return;
          if (event === 'wait') await reader.wait();
          else yield event;
        }
      } finally {
        lean.reader = undefined;
        reader.close();
      }
    } catch (error) {
      // A direct call failed by close(): aborted, as a call whose controller close() aborted.
      if (controller === undefined && closed) {
        throw new GatewayError('aborted', 'anthropic request aborted', { cause: error });
      }
      throw toAnthropicError(error, callSignal);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
      if (ticket !== undefined) inFlight.delete(ticket);
    }
  }

  return {
    name: 'anthropic',
    hasCredential: () => settings.credential !== undefined,
    getModelInfo,
    stream,
    close() {
      closed = true;
      for (const controller of inFlight.values())
        controller.abort(new GatewayError('aborted', 'provider closed'));
      inFlight.clear();
      client = undefined;
      template = undefined;
      settledTemplate = undefined;
      // Direct calls in flight have no controller: they fail with the transport's connections.
      transport?.destroy();
      return Promise.resolve();
    },
  };
}
