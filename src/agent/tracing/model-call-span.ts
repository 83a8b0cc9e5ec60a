import { context as otelContext, trace, SpanKind, type Context } from '@opentelemetry/api';
import type { GatewayEvent } from '../../core/events.js';
import type { ProviderRequest } from '../../core/provider.js';
import type { TurnResult } from '../run-turn.js';
import { GATEWAY, GEN_AI, OPERATION } from './gen-ai-attributes.js';
import { fail, json, startOperationSpan, usageAttributes, type RunSpanScope } from './span-attributes.js';

/** What a traced model call is given: the emit that times the first chunk, and a retry counter. */
export interface ModelCallHooks {
  emit: (event: GatewayEvent) => void;
  onRetry: (retry: { attempt: number; code: string }) => void;
}

const ignoreRetry = (): void => {};

/**
 * A model call of a run that nothing traces: `call` gets the run's `emit` as it is, in the
 * run's context (where a traced call would see its own span, which here would be as empty
 * as the run's), and no span, timer or closure is made for it.
 */
export function callUntraced<Result extends TurnResult>(
  runContext: Context,
  call: (hooks: ModelCallHooks) => Promise<Result>,
  emit: (event: GatewayEvent) => void,
): Promise<Result> {
  return otelContext.with(runContext, call, undefined, { emit, onRetry: ignoreRetry });
}

/**
 * Wraps one model call (with its retries) in a `chat {model}` span, a child of the run span.
 * `emit` is the run's; the one given to `call` also notes the time to the first streamed chunk.
 * `providerName` is the provider of this call (a fallback model's may differ from the run's).
 */
export async function traceModelCall<Result extends TurnResult>(
  scope: RunSpanScope,
  request: ProviderRequest,
  call: (hooks: ModelCallHooks) => Promise<Result>,
  emit: (event: GatewayEvent) => void,
  providerName: string,
): Promise<Result> {
  const { runContext, capture } = scope;
  const span = startOperationSpan(scope, OPERATION.chat, request.model, SpanKind.CLIENT, {
    [GEN_AI.providerName]: providerName,
    [GEN_AI.requestModel]: request.model,
    [GEN_AI.requestMaxTokens]: request.maxTokens,
    [GEN_AI.requestStream]: true,
  });
  const recording = span.isRecording();
  const started = performance.now();
  let firstChunk = false;
  let retries = 0;
  const traced = recording
    ? (event: GatewayEvent): void => {
        if (!firstChunk && (event.type === 'text_delta' || event.type === 'thinking_delta')) {
          firstChunk = true;
          span.setAttribute(GEN_AI.timeToFirstChunk, (performance.now() - started) / 1000);
        }
        emit(event);
      }
    : emit;
  if (capture && recording) span.setAttribute(GEN_AI.inputMessages, json(request.messages));
  try {
    // In the span's context: a provider SDK's own spans (the Anthropic SDK emits one per
    // request) become its children.
    const hooks = {
      emit: traced,
      onRetry: ({ attempt, code }: { attempt: number; code: string }) => {
        retries += 1;
        // A retry restarts the stream: the first chunk is timed again.
        firstChunk = false;
        span.addEvent(GATEWAY.retryEvent, { attempt, [GEN_AI.errorType]: code });
      },
    };
    const result = await otelContext.with(trace.setSpan(runContext, span), () => call(hooks));
    span.setAttribute(GATEWAY.retries, retries);
    if (result.status === 'completed') {
      if (recording) {
        span.setAttributes({
          [GEN_AI.responseModel]: request.model,
          [GEN_AI.responseFinishReasons]: [result.stopReason],
          ...usageAttributes(result.usage),
        });
        if (capture) {
          span.setAttribute(GEN_AI.outputMessages, json([{ role: 'assistant', content: result.blocks }]));
        }
      }
    } else if (result.status === 'failed') fail(span, result.code, result.error);
    else fail(span, 'cancelled');
    return result;
  } catch (error) {
    fail(span, error instanceof Error ? error.name : '_OTHER', String(error));
    throw error;
  } finally {
    span.end();
  }
}
