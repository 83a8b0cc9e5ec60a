import { chunkText, resolveStopReason, type ScriptedResponse } from '../scripted-turn.js';
import type { StopReason } from '../../core/messages.js';
import type { SseFrame } from './sse-frame.js';

const finishReasons: Partial<Record<StopReason, string>> = {
  end_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  error: 'content_filter',
};

/**
 * Encodes a scripted turn as an OpenAI Chat Completions stream: `chat.completion.chunk`s with
 * content, `reasoning_content` (as OpenAI-compatible servers send reasoning) and `tool_calls`
 * deltas whose arguments arrive in pieces, a final chunk with `finish_reason`, a usage chunk
 * (`stream_options.include_usage`) and `[DONE]`.
 */
export function encodeOpenAIStream(turn: ScriptedResponse, model: string): SseFrame[] {
  const created = 1_700_000_000;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): SseFrame => ({
    data: JSON.stringify({
      id: 'chatcmpl-mock',
      object: 'chat.completion.chunk',
      created,
      model,
      choices,
      ...extra,
    }),
  });
  const delta = (payload: Record<string, unknown>, finishReason: string | null = null): SseFrame =>
    chunk([{ index: 0, delta: payload, logprobs: null, finish_reason: finishReason }]);

  const frames: SseFrame[] = [delta({ role: 'assistant', content: '' })];
  let toolIndex = 0;
  turn.blocks.forEach((block, blockIndex) => {
    if (block.type === 'text') {
      for (const content of chunkText(block.text)) frames.push(delta({ content }));
    } else if (block.type === 'thinking') {
      for (const reasoning of chunkText(block.text)) frames.push(delta({ reasoning_content: reasoning }));
    } else if (block.type === 'compaction') {
      // Chat Completions has no compaction block: nothing is streamed for it.
    } else {
      const index = toolIndex++;
      const id = block.id ?? `call_mock_${blockIndex}`;
      const args = JSON.stringify(block.input);
      const half = Math.ceil(args.length / 2);
      frames.push(
        delta({
          tool_calls: [{ index, id, type: 'function', function: { name: block.name, arguments: '' } }],
        }),
        delta({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] }),
        delta({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] }),
      );
    }
  });
  frames.push(delta({}, finishReasons[resolveStopReason(turn)] ?? 'stop'));
  const usage = turn.usage ?? {};
  const cached = usage.cacheReadTokens ?? 0;
  const prompt = (usage.inputTokens ?? 0) + cached;
  const completion = usage.outputTokens ?? 0;
  frames.push(
    chunk([], {
      usage: {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        prompt_tokens_details: { cached_tokens: cached },
      },
    }),
    { data: '[DONE]' },
  );
  return frames;
}

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_api_key',
  429: 'rate_limit_exceeded',
  500: 'server_error',
};

/** The JSON body OpenAI returns with an HTTP error status. */
export function openAIErrorBody(status: number, message: string): Record<string, unknown> {
  return { error: { message, type: errorTypes[status] ?? 'server_error', param: null, code: null } };
}
