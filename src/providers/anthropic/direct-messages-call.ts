import { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages';
import { propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import type { ModelTransport } from '../transport/model-transport.js';
import { headersOf, readWholeText, type ResponseBody } from '../transport/response-body.js';
import type { AnthropicClient } from './anthropic-client.js';
import type { StreamedAnthropicResponse } from './read-anthropic-events.js';

/** What the SDK sends every streamed `messages.create` of one client: built once, by the SDK. */
export interface DirectMessagesTemplate {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Whether the client's SDK starts a span per call (its `openTelemetry` option, settled once). */
  readonly sdkTraces: boolean;
  /** Whether those spans' context goes into the request's headers. */
  readonly sdkPropagates: boolean;
}

/** The provider OpenTelemetry falls back to while no application registered one. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether the SDK's own work around a call would show anywhere now: a span for a registered
 * tracer provider, or trace headers from a registered propagator. Then the call goes through
 * the SDK, as with `transport: 'sdk'`. Asked per call: an application may register either late.
 */
export function sdkCallIsObservable(template: DirectMessagesTemplate): boolean {
  if (!template.sdkTraces) return false;
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER)
    return true;
  return template.sdkPropagates && propagation.fields().length > 0;
}

/**
 * The method, URL and headers the SDK builds for a streamed `messages.create` of `client`
 * (its version, platform, timeout, credential and default headers), asked of the SDK once.
 * `undefined` when the SDK cannot build one (so that the SDK reports why on its own path) or
 * when the client logs its requests (`info`/`debug`), which only the SDK's path does.
 */
export async function directMessagesTemplateOf(
  client: AnthropicClient,
): Promise<DirectMessagesTemplate | undefined> {
  if (client.logLevel === 'info' || client.logLevel === 'debug') return undefined;
  try {
    const { req, url, timeout } = await client.buildRequest({
      method: 'post',
      path: '/v1/messages',
      body: {},
      timeout: client.timeout,
      stream: true,
    });
    const headers: Record<string, string> = {};
    new Headers(req.headers).forEach((value, name) => {
      if (name !== 'content-length') headers[name] = value;
    });
    const { traces, propagation: propagates } = client.openTelemetry;
    return {
      url: new URL(url),
      headers,
      timeoutMs: timeout,
      sdkTraces: traces.enabled,
      sdkPropagates: propagates,
    };
  } catch {
    return undefined;
  }
}

/** A streamed answer of the direct call: its web `Headers` built only if an error frame asks. */
class DirectResponse implements StreamedAnthropicResponse {
  #headers: Headers | undefined;
  constructor(readonly nodeBody: ResponseBody) {}
  get headers(): Headers {
    this.#headers ??= headersOf(this.nodeBody);
    return this.#headers;
  }
}

/** The SDK's `safeJSON`. */
const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * Sends a streamed `messages.create` over the lean transport with the SDK's own request (the
 * template, and `params` encoded as the SDK encodes them) but without its per-call machinery,
 * and fails as the SDK fails: `APIUserAbortError` once `signal` aborted, the SDK's
 * `APIConnectionTimeoutError` when no answer came within its timeout, `APIConnectionError`
 * for a failed connection, and the SDK's status error (by status and error code) for a non-2xx
 * answer. Resolves with the answer whose events are still on the socket.
 */
export async function sendDirectMessages(
  transport: ModelTransport,
  client: AnthropicClient,
  template: DirectMessagesTemplate,
  params: MessageCreateParamsStreaming,
  signal: AbortSignal,
): Promise<StreamedAnthropicResponse> {
  let message: ResponseBody;
  try {
    message = await transport.send(template.url, {
      method: 'POST',
      headers: template.headers,
      body: JSON.stringify(params),
      signal,
      timeoutMs: template.timeoutMs,
    });
  } catch (error) {
    if (signal.aborted) throw new APIUserAbortError();
    if (error instanceof Error && error.name === 'TimeoutError') throw new APIConnectionTimeoutError();
    throw new APIConnectionError({ cause: error instanceof Error ? error : undefined });
  }
  const status = message.statusCode;
  if (status >= 200 && status < 300) return new DirectResponse(message);
  // As the SDK reads a failed answer: a body it cannot read is described by its error.
  const text = await readWholeText(message).catch((error: unknown) =>
    error instanceof Error ? error.message : String(error),
  );
  const body = safeJson(text);
  throw client.statusErrorOf(status, body, body ? undefined : text, headersOf(message));
}
