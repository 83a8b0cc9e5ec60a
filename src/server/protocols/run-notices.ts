import type {
  BudgetExceededEvent,
  CompactionEvent,
  InterceptorDecisionEvent,
  MaxTurnsReachedEvent,
  ModelFallbackEvent,
  SteeringMessageEvent,
  StreamRetryEvent,
  UsageSummary,
} from '../../core/events.js';

/*
 * The wire's snake_case events in the camelCase both frontend protocols speak, written once:
 * the AI SDK UI encoder and the AG-UI encoder each decide only how to frame them (a transient
 * `data-*` part, a `CUSTOM` event, the finish's metadata). Tool calls have their own mapping
 * (`announcedCallOf` in `tool-history-signatures.ts`), since they are also signed.
 */

/** Wire events a frontend sees as side notes of the run: they change no message. */
export type RunNoticeEvent =
  | StreamRetryEvent
  | ModelFallbackEvent
  | InterceptorDecisionEvent
  | CompactionEvent
  | MaxTurnsReachedEvent
  | BudgetExceededEvent
  | SteeringMessageEvent;

/** A run notice in camelCase: `name` is the wire event's `type`, `value` its fields. */
export type RunNotice =
  | { name: 'stream_retry'; value: { attempt: number; error: string; code?: string } }
  | { name: 'model_fallback'; value: { from: string; to: string; reason: string } }
  | {
      name: 'interceptor_decision';
      value: { toolCallId: string; toolName: string; action: 'deny' | 'warn'; code: string; message: string };
    }
  | { name: 'compaction'; value: { chars: number } }
  | { name: 'max_turns_reached'; value: { turnCount: number; maxTurns: number } }
  | { name: 'budget_exceeded'; value: { totalCost: number; budget: number } }
  | { name: 'steering_message'; value: { content: string } };

/** The camelCase form of a run notice; `code` of a retry only when the event has one. */
export function toRunNotice(event: RunNoticeEvent): RunNotice {
  switch (event.type) {
    case 'stream_retry':
      return {
        name: event.type,
        value: {
          attempt: event.attempt,
          error: event.error,
          ...(event.code === undefined ? {} : { code: event.code }),
        },
      };
    case 'model_fallback':
      return { name: event.type, value: { from: event.from, to: event.to, reason: event.reason } };
    case 'interceptor_decision':
      return {
        name: event.type,
        value: {
          toolCallId: event.tool_call_id,
          toolName: event.tool_name,
          action: event.action,
          code: event.code,
          message: event.message,
        },
      };
    case 'compaction':
      return { name: event.type, value: { chars: event.chars } };
    case 'max_turns_reached':
      return { name: event.type, value: { turnCount: event.turn_count, maxTurns: event.max_turns } };
    case 'budget_exceeded':
      return { name: event.type, value: { totalCost: event.total_cost, budget: event.budget } };
    case 'steering_message':
      return { name: event.type, value: { content: event.content } };
  }
}

/** A run's token usage and cost (`stream_complete.usage`) in camelCase. */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  /** US dollars, rounded to 4 decimal places. */
  estimatedCost: number;
}

/** The camelCase form of a run's usage; undefined for the stub reply's empty usage. */
export function toUsageTotals(usage: UsageSummary | Record<string, never>): UsageTotals | undefined {
  if (!('input_tokens' in usage)) return undefined;
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadInputTokens: usage.cache_read_input_tokens,
    cacheCreationInputTokens: usage.cache_creation_input_tokens,
    estimatedCost: usage.estimated_cost,
  };
}
