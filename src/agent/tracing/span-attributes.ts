import {
  SpanStatusCode,
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
  type Tracer,
} from '@opentelemetry/api';
import type { TurnUsage } from '../../core/provider.js';
import { clipLogText } from '../clip-log-text.js';
import { isGatewayFailureCode } from '../gateway-failure-codes.js';
import { GEN_AI } from './gen-ai-attributes.js';

/** Where a run's child spans go and what they record: shared by the spans of one run. */
export interface RunSpanScope {
  tracer: Tracer;
  /** The run span's context: every child span's parent. */
  runContext: Context;
  /** Whether content (messages, tool arguments and results) is recorded. */
  capture: boolean;
}

/**
 * Starts a child of the run span as the GenAI conventions name one: `{operation} {target}`
 * (`chat {model}`, `execute_tool {tool}`), with `gen_ai.operation.name` among its attributes.
 */
export const startOperationSpan = (
  scope: RunSpanScope,
  operation: string,
  target: string,
  kind: SpanKind,
  attributes: Attributes,
): Span =>
  scope.tracer.startSpan(
    `${operation} ${target}`,
    { kind, attributes: { [GEN_AI.operationName]: operation, ...attributes } },
    scope.runContext,
  );

/** Every input token of a turn, cached ones included. */
const totalInput = (usage: TurnUsage): number =>
  usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;

/** The GenAI usage attributes of a turn or a run. */
export const usageAttributes = (usage: TurnUsage): Attributes => ({
  // The conventions count cached tokens as input too.
  [GEN_AI.inputTokens]: totalInput(usage),
  [GEN_AI.outputTokens]: usage.outputTokens,
  [GEN_AI.cacheReadInputTokens]: usage.cacheReadTokens,
  [GEN_AI.cacheCreationInputTokens]: usage.cacheCreationTokens,
});

/** A value as JSON for an attribute; never throws. */
export const json = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '"[unserialisable]"';
  }
};

/** Marks the span failed with the conventions' `error.type` (and a clipped message). */
export const fail = (span: Span, errorType: string, message?: string): void => {
  span.setAttribute(GEN_AI.errorType, errorType);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    ...(message === undefined ? {} : { message: clipLogText(message) }),
  });
};

/**
 * A failed tool call's `error.type`: the gateway's own code, or `_OTHER` (the conventions'
 * fallback) for a code a client or a tool handler chose, which may be anything and any length.
 */
export const toolErrorType = (code: string): string => (isGatewayFailureCode(code) ? code : '_OTHER');
