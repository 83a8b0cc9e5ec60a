import { APIError } from '@anthropic-ai/sdk';
import type { ErrorType } from '@anthropic-ai/sdk/resources/shared';
import type { IncomingMessage } from 'node:http';
import { readSseBody } from '../transport/read-sse-body.js';
import type { RawMessageStreamEvent } from './map-anthropic-stream.js';

const errorTypeOf = (body: unknown): ErrorType | undefined => {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = body.error;
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  // Whatever the frame says, as the SDK passes it on (a type it does not know included).
  return typeof error.type === 'string' ? (error.type as ErrorType) : undefined;
};

/** The SDK's `safeJSON(data) ?? data`: the parsed frame, else its text. */
const parseOrText = (data: string): unknown => {
  try {
    return (JSON.parse(data) as unknown) ?? data;
  } catch {
    return data;
  }
};

/**
 * A streamed response whose body is still on the socket: a `NodeBodyResponse` of the lean
 * `fetch`, or the direct call's own (its headers built only if an error frame needs them).
 */
export interface StreamedAnthropicResponse {
  readonly nodeBody: IncomingMessage;
  readonly headers: Headers;
}

/**
 * The raw Messages API events of a streamed response read by the lean transport, with the
 * official SDK's stream rules: `ping` and unnamed events are skipped, so are events without
 * data; an `event: error` frame throws the SDK's `APIError` (no status, the frame's error
 * type); every other event's data is parsed as JSON (a malformed one throws `SyntaxError`).
 */
export async function* readAnthropicEvents(
  response: StreamedAnthropicResponse,
): AsyncGenerator<RawMessageStreamEvent, void, undefined> {
  for await (const batch of readSseBody(response.nodeBody)) {
    for (const message of batch) {
      if (message.event === 'ping' || message.event === null) continue;
      if (message.event === 'error') {
        const body = parseOrText(message.data);
        // The SDK's own constructor and arguments, so that error classification sees exactly
        // what it sees on the SDK path (a non-JSON frame is passed as its text, as there).
        throw new APIError(undefined, body as object, undefined, response.headers, errorTypeOf(body));
      }
      if (message.data === '') continue;
      yield JSON.parse(message.data) as RawMessageStreamEvent;
    }
  }
}
