import type { RecordedUpstreamRequest } from '../../src/testing/mock-upstream/mock-upstream.js';

/** A tool result as the model received it, whatever the wire format. */
export interface UpstreamToolResult {
  toolCallId: string;
  /** The content string the model reads (JSON of the result or of `{error}`). */
  content: string;
  /** Anthropic's `is_error` flag (always false for OpenAI, which has no such flag). */
  isError: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const contentText = (content: unknown): string => {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((block) => (isRecord(block) && typeof block['text'] === 'string' ? block['text'] : ''))
      .join('');
  }
  return JSON.stringify(content);
};

/**
 * Extracts the tool results an upstream request carried: Anthropic `tool_result` blocks in
 * user messages, or OpenAI `role: "tool"` messages.
 */
export function toolResultsOf(request: RecordedUpstreamRequest | undefined): UpstreamToolResult[] {
  if (request === undefined || !isRecord(request.body) || !Array.isArray(request.body['messages'])) return [];
  const results: UpstreamToolResult[] = [];
  for (const message of request.body['messages'] as unknown[]) {
    if (!isRecord(message)) continue;
    if (request.flavor === 'openai') {
      if (message['role'] === 'tool' && typeof message['tool_call_id'] === 'string') {
        results.push({
          toolCallId: message['tool_call_id'],
          content: contentText(message['content']),
          isError: false,
        });
      }
      continue;
    }
    if (!Array.isArray(message['content'])) continue;
    for (const block of message['content'] as unknown[]) {
      if (!isRecord(block) || block['type'] !== 'tool_result' || typeof block['tool_use_id'] !== 'string') {
        continue;
      }
      results.push({
        toolCallId: block['tool_use_id'],
        content: contentText(block['content']),
        isError: block['is_error'] === true,
      });
    }
  }
  return results;
}

/**
 * The newest tool result of a request (the one the model is about to read), with its JSON
 * content parsed; throws when the request carries none.
 */
export function latestToolResultOf(request: RecordedUpstreamRequest | undefined): {
  toolCallId: string;
  isError: boolean;
  value: unknown;
} {
  const latest = toolResultsOf(request).at(-1);
  if (latest === undefined) throw new Error('the upstream request carries no tool result');
  return {
    toolCallId: latest.toolCallId,
    isError: latest.isError,
    value: JSON.parse(latest.content) as unknown,
  };
}
