import type { ServerResponse } from 'node:http';
import type { ScriptedHttpError } from '../scripted-turn.js';
import { anthropicErrorBody } from './anthropic-stream-encoder.js';
import type { MockStreamResponse } from './mock-turn.js';
import { openAIErrorBody } from './openai-stream-encoder.js';
import { formatSseFrame, type SseFrame } from './sse-frame.js';

/** Which wire format a request spoke. */
export type UpstreamFlavor = 'anthropic' | 'openai';

/** A frame that announces an event but carries broken JSON (a cut object). */
const malformedFrame = (flavor: UpstreamFlavor): string =>
  flavor === 'anthropic'
    ? 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"ty\n\n'
    : 'data: {"id":"chatcmpl-mock","object":"chat.completion.chunk","choices":[{"ind\n\n';

const delay = (milliseconds: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || milliseconds <= 0) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Answers with an HTTP error status and the provider's JSON error body (plus `retry-after`). */
export function writeHttpError(
  response: ServerResponse,
  flavor: UpstreamFlavor,
  turn: ScriptedHttpError,
): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (turn.retryAfterSeconds !== undefined) headers['retry-after'] = String(turn.retryAfterSeconds);
  const message = turn.message ?? `scripted HTTP ${turn.status}`;
  const body =
    flavor === 'anthropic' ? anthropicErrorBody(turn.status, message) : openAIErrorBody(turn.status, message);
  response.writeHead(turn.status, headers).end(JSON.stringify(body));
}

/**
 * Streams `frames` with the turn's pacing and disruptions: a cut (socket destroyed), a stall
 * (kept open until the client or the server goes away) or a malformed frame. Resolves when the
 * response is done; `connection` aborts when the client closes it.
 */
export async function writeMockStream(
  response: ServerResponse,
  flavor: UpstreamFlavor,
  turn: MockStreamResponse,
  frames: readonly SseFrame[],
  connection: AbortSignal,
): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.flushHeaders();
  // Unpaced frames leave in one write, as a real server's do when it has several events ready;
  // one write per event would make every benchmark measure syscalls instead of the client.
  const unpaced = (turn.eventDelayMs ?? 0) <= 0;
  if (unpaced) response.cork();
  const release = (): void => {
    if (unpaced && response.writableCorked > 0) response.uncork();
  };
  for (const [index, frame] of frames.entries()) {
    if (turn.cutAfterEvents !== undefined && index >= turn.cutAfterEvents) {
      release();
      response.socket?.destroy();
      return;
    }
    if (turn.stallAfterEvents !== undefined && index >= turn.stallAfterEvents) {
      release();
      await new Promise<void>((resolve) => {
        if (connection.aborted) return resolve();
        connection.addEventListener('abort', () => resolve(), { once: true });
      });
      return;
    }
    await delay(turn.eventDelayMs ?? 0, connection);
    if (connection.aborted) return;
    if (turn.malformedFrameAfterEvents !== undefined && index >= turn.malformedFrameAfterEvents) {
      // Uncork before ending: Node 22 drops what a corked response holds when it ends first.
      response.write(malformedFrame(flavor));
      release();
      response.end();
      return;
    }
    response.write(formatSseFrame(frame));
  }
  // Uncork before ending: Node 22 drops what a corked response holds when it ends first.
  release();
  response.end();
}
