import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import type { GatewayEvent } from '../../../../core/events.js';
import { createUiMessageEncoder, type UiMessageEncoderOptions } from '../create-ui-message-encoder.js';
import {
  UI_MESSAGE_STREAM_DONE,
  UI_MESSAGE_STREAM_HEADERS,
  UI_MESSAGE_STREAM_PING,
  toUiMessageSseFrames,
} from '../ui-message-sse.js';

/** Encodes events into the SSE body of one response, as the route will (pings where heartbeats were). */
export function encodeToSseBody(events: readonly GatewayEvent[], options: UiMessageEncoderOptions): string {
  const encoder = createUiMessageEncoder(options);
  let body = '';
  for (const event of events) {
    body += event.type === 'heartbeat' ? UI_MESSAGE_STREAM_PING : toUiMessageSseFrames(encoder.encode(event));
  }
  return body + toUiMessageSseFrames(encoder.end('response ended without a terminal event')) + UI_MESSAGE_STREAM_DONE;
}

/** What the AI SDK's own client made of one response. */
export interface AiSdkReading {
  /** The final snapshot of the assistant message (`readUIMessageStream`'s last value). */
  message: UIMessage | undefined;
  /** The chunks `DefaultChatTransport` parsed and validated against its schema. */
  chunks: UIMessageChunk[];
  /** Everything the transport or the reducer reported (validation failures, `error` chunks). */
  errors: unknown[];
  /** The JSON body the transport POSTed. */
  requestBody: unknown;
}

/** Serves `body` in small pieces, so frames straddle reads as they do over a network. */
function streamOf(body: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(body);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + 7));
      offset += 7;
    },
  });
}

/**
 * Sends `messages` through the real `DefaultChatTransport` (its SSE parser and chunk schema),
 * answered by `body`, and reduces the chunks with the real `readUIMessageStream`. `message` is
 * the client's copy of the assistant message a continuation extends.
 */
export async function readWithAiSdk(
  body: string,
  options: { messages?: UIMessage[]; message?: UIMessage; messageId?: string } = {},
): Promise<AiSdkReading> {
  let requestBody: unknown;
  const transport = new DefaultChatTransport<UIMessage>({
    api: 'http://127.0.0.1:1/ui/chat',
    headers: { authorization: 'Bearer session-token' },
    fetch: (_input, init) => {
      requestBody = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      return Promise.resolve(
        new Response(streamOf(body), { status: 200, headers: { ...UI_MESSAGE_STREAM_HEADERS } }),
      );
    },
  });
  const stream = await transport.sendMessages({
    trigger: 'submit-message',
    chatId: 'chat_1',
    messageId: options.messageId,
    messages: options.messages ?? [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hello' }] }],
    abortSignal: undefined,
  });
  const chunks: UIMessageChunk[] = [];
  const recorded = stream.pipeThrough(
    new TransformStream<UIMessageChunk, UIMessageChunk>({
      transform(chunk, controller) {
        chunks.push(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
  const errors: unknown[] = [];
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream<UIMessage>({
    stream: recorded,
    ...(options.message === undefined ? {} : { message: options.message }),
    onError: (error) => errors.push(error),
  })) {
    message = snapshot;
  }
  return { message, chunks, errors, requestBody };
}
