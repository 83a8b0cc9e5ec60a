import type { UiMessageChunk } from './ui-message-chunks.js';

/**
 * Response headers of a UI message stream (vercel/ai `UI_MESSAGE_STREAM_HEADERS`). The
 * `x-vercel-ai-ui-message-stream: v1` header is not checked by `DefaultChatTransport`, but
 * other clients and proxies use it; it is still `v1` in AI SDK 7.
 */
export const UI_MESSAGE_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
};

/** The frame that ends the stream; the client skips it. */
export const UI_MESSAGE_STREAM_DONE = 'data: [DONE]\n\n';

/**
 * Keep-alive frame: an SSE comment, which the client's parser ignores. Our `heartbeat` event
 * must never be sent as `data:` here: any `data:` payload that is not a known chunk kills the
 * client.
 */
export const UI_MESSAGE_STREAM_PING = ': ping\n\n';

/**
 * One chunk as an SSE frame, `data: <json>\n\n`. `JSON.stringify` escapes line breaks inside
 * strings, so the payload is always a single `data:` line.
 */
export function toUiMessageSseFrame(chunk: UiMessageChunk): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** Several chunks as consecutive SSE frames (`''` for none). */
export function toUiMessageSseFrames(chunks: readonly UiMessageChunk[]): string {
  let text = '';
  for (const chunk of chunks) text += toUiMessageSseFrame(chunk);
  return text;
}
