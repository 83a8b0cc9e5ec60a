import type { GatewayEvent } from '../../core/events.js';

/** Gathers what a sub-agent reports from its events. */
export interface SubAgentOutputCollector {
  add(event: GatewayEvent): void;
  /** The collected text, trimmed. */
  response(): string;
  /** Tool names in call order, duplicates kept. */
  toolsUsed(): string[];
}

/**
 * Creates a collector. Text streamed before a `stream_retry` belonged to a failed attempt and
 * is discarded (the retried turn streams its text again), as the run's own collector
 * does. Tool names are kept across a retry: a retry repeats a model turn, never a tool call, so
 * the tools that ran really ran.
 */
export function createSubAgentOutputCollector(): SubAgentOutputCollector {
  let text: string[] = [];
  const tools: string[] = [];
  return {
    add(event) {
      if (event.type === 'text_delta') text.push(event.text);
      else if (event.type === 'stream_retry') text = [];
      else if (event.type === 'tool_call_start') tools.push(event.tool_name);
    },
    response: () => text.join('').trim(),
    toolsUsed: () => [...tools],
  };
}
