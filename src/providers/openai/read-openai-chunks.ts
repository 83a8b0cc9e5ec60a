import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { NodeBodyResponse } from '../transport/model-transport.js';
import type { OpenAISdk } from './openai-sdk.js';
import { readSseBody } from '../transport/read-sse-body.js';

const errorOf = (data: unknown): object | undefined => {
  if (typeof data !== 'object' || data === null || !('error' in data)) return undefined;
  const error: unknown = data.error;
  // The SDK throws for any truthy `error` field.
  return error === undefined || error === null || error === false || error === 0 || error === ''
    ? undefined
    : error;
};

/**
 * The Chat Completions chunks of a streamed response read by the lean transport, with the
 * official SDK's stream rules: everything after `data: [DONE]` is skipped (the body is still
 * read to its end); each other event's data is parsed as JSON (a malformed or empty one throws
 * `SyntaxError`); a chunk carrying `error` throws the SDK's `APIError` (given: the SDK is loaded
 * with the provider's client) with the response headers. Assistants-style `thread.*` events
 * (never sent for chat completions) follow the SDK too: an `error` one throws, others are
 * skipped.
 */
export async function* readOpenAIChunks(
  response: NodeBodyResponse,
  APIError: OpenAISdk['APIError'],
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  let done = false;
  for await (const batch of readSseBody(response.nodeBody)) {
    for (const message of batch) {
      if (done) continue;
      if (message.data.startsWith('[DONE]')) {
        done = true;
        continue;
      }
      const data = JSON.parse(message.data) as unknown;
      if (message.event === null || !message.event.startsWith('thread.')) {
        const error = errorOf(data);
        if (error !== undefined) throw new APIError(undefined, error, undefined, response.headers);
        yield data as ChatCompletionChunk;
      } else if (message.event === 'error') {
        const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
        const detail = typeof record['message'] === 'string' ? record['message'] : undefined;
        throw new APIError(undefined, errorOf(data), detail, undefined);
      }
    }
  }
}
