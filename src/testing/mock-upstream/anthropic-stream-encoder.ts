import { chunkText, resolveStopReason, type ScriptedResponse } from '../scripted-turn.js';
import type { SseFrame } from './sse-frame.js';

const frame = (event: string, payload: Record<string, unknown>): SseFrame => ({
  event,
  data: JSON.stringify({ type: event, ...payload }),
});

/** Splits a JSON document into a few pieces, as Anthropic streams `input_json_delta`s. */
const splitJson = (json: string): string[] => {
  const size = Math.max(1, Math.ceil(json.length / 3));
  const parts: string[] = [];
  for (let offset = 0; offset < json.length; offset += size) parts.push(json.slice(offset, offset + size));
  return parts;
};

/**
 * Encodes a scripted turn as an Anthropic Messages SSE stream (`message_start`, content block
 * start/delta/stop per block, `message_delta` with the stop reason and usage, `message_stop`).
 */
export function encodeAnthropicStream(turn: ScriptedResponse, model: string): SseFrame[] {
  const usage = turn.usage ?? {};
  const frames: SseFrame[] = [
    frame('message_start', {
      message: {
        id: 'msg_mock',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.inputTokens ?? 0,
          output_tokens: 1,
          cache_creation_input_tokens: usage.cacheCreationTokens ?? 0,
          cache_read_input_tokens: usage.cacheReadTokens ?? 0,
        },
      },
    }),
    { event: 'ping', data: '{"type":"ping"}' },
  ];
  turn.blocks.forEach((block, index) => {
    if (block.type === 'text') {
      frames.push(frame('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const text of chunkText(block.text)) {
        frames.push(frame('content_block_delta', { index, delta: { type: 'text_delta', text } }));
      }
    } else if (block.type === 'thinking') {
      frames.push(frame('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } }));
      for (const thinking of chunkText(block.text)) {
        frames.push(frame('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } }));
      }
      frames.push(
        frame('content_block_delta', {
          index,
          delta: { type: 'signature_delta', signature: block.signature ?? 'sig_mock' },
        }),
      );
    } else if (block.type === 'compaction') {
      frames.push(
        frame('content_block_start', {
          index,
          content_block: { type: 'compaction', content: null, encrypted_content: null },
        }),
        frame('content_block_delta', {
          index,
          delta: {
            type: 'compaction_delta',
            content: block.summary,
            encrypted_content: block.encryptedContent ?? 'enc_mock',
          },
        }),
      );
    } else {
      const id = block.id ?? `toolu_mock_${index}`;
      frames.push(
        frame('content_block_start', {
          index,
          content_block: { type: 'tool_use', id, name: block.name, input: {} },
        }),
      );
      for (const partial_json of splitJson(JSON.stringify(block.input))) {
        frames.push(
          frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }),
        );
      }
    }
    frames.push(frame('content_block_stop', { index }));
  });
  frames.push(
    frame('message_delta', {
      delta: { stop_reason: resolveStopReason(turn), stop_sequence: null },
      usage: { output_tokens: usage.outputTokens ?? 0 },
    }),
    frame('message_stop', {}),
  );
  return frames;
}

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** The JSON body Anthropic returns with an HTTP error status. */
export function anthropicErrorBody(status: number, message: string): Record<string, unknown> {
  return { type: 'error', error: { type: errorTypes[status] ?? 'api_error', message } };
}
