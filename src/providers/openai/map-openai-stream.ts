import { randomBytes } from 'node:crypto';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { ProviderError } from '../../core/errors.js';
import type { ContentBlock } from '../../core/messages.js';
import type { ProviderEvent, TurnUsage } from '../../core/provider.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

interface ToolCallState {
  index: number;
  id: string | undefined;
  name: string | undefined;
  arguments: string;
  started: boolean;
}

/**
 * Turns Chat Completions chunks into `ProviderEvent`s, one chunk at a time. `push` returns the
 * live events of a chunk; `finish` returns the closing events (completed blocks, usage,
 * `message_end`) once the stream has ended, or throws a `ProviderError` when it ended badly.
 */
export interface OpenAIStreamMapper {
  push(chunk: ChatCompletionChunk): ProviderEvent[];
  finish(): ProviderEvent[];
}

/** Reasoning text: `reasoning_content` (DeepSeek, vLLM, the mock) or `reasoning` (Ollama, OpenRouter). */
const reasoningOf = (delta: object): string | undefined => {
  for (const key of ['reasoning_content', 'reasoning'] as const) {
    const value: unknown = (delta as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
};

/** Cached prompt tokens are reported inside prompt_tokens; split them out so none is priced twice. */
export function toTurnUsage(usage: CompletionUsage): TurnUsage {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: Math.max(0, (usage.prompt_tokens ?? 0) - cached),
    outputTokens: usage.completion_tokens ?? 0,
    cacheReadTokens: cached,
    cacheCreationTokens: 0,
  };
}

const parseArguments = (call: ToolCallState, id: string): Record<string, unknown> => {
  if (call.arguments.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.arguments);
  } catch (error) {
    throw new ProviderError(`openai: tool call ${id} (${call.name ?? '?'}) has invalid JSON arguments`, {
      retryable: false,
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProviderError(`openai: tool call ${id} (${call.name ?? '?'}) arguments are not a JSON object`, {
      retryable: false,
    });
  }
  return parsed as Record<string, unknown>;
};

/**
 * Creates a mapper for one streamed turn. Tool calls are assembled by their `index` across
 * chunks: `tool_use_start` is emitted once both id and name are known (argument pieces seen
 * before that are replayed right after it). At the end come `block_end`s for thinking, text
 * and each tool call in index order — reasoning precedes the answer in these APIs, so that is
 * also stream order — then `usage` when the server reported it, then `message_end`.
 */
export function createOpenAIStreamMapper(): OpenAIStreamMapper {
  let started = false;
  let text = '';
  let thinking = '';
  let finishReason: string | undefined;
  let usage: CompletionUsage | undefined;
  // eslint-disable-next-line gateway/churn-collections -- made per model response
  const toolCalls = new Map<number, ToolCallState>();

  const startIfReady = (call: ToolCallState): ProviderEvent[] => {
    if (call.started || call.id === undefined || call.name === undefined) return [];
    call.started = true;
    const events: ProviderEvent[] = [{ type: 'tool_use_start', id: call.id, name: call.name }];
    if (call.arguments !== '')
      events.push({ type: 'tool_use_delta', id: call.id, partialJson: call.arguments });
    return events;
  };

  const pushToolCall = (
    delta: ChatCompletionChunk.Choice.Delta.ToolCall,
    position: number,
  ): ProviderEvent[] => {
    // Some compatible servers omit `index`; their tool calls then arrive whole, one per slot.
    const index = typeof delta.index === 'number' ? delta.index : position;
    let call = toolCalls.get(index);
    if (call === undefined) {
      call = { index, id: undefined, name: undefined, arguments: '', started: false };
      toolCalls.set(index, call);
    }
    // Ids and names arrive once from OpenAI but are repeated by some servers: first one wins.
    if (call.id === undefined && typeof delta.id === 'string' && delta.id !== '') call.id = delta.id;
    const name = delta.function?.name;
    if (call.name === undefined && typeof name === 'string' && name !== '') call.name = name;
    const piece = delta.function?.arguments ?? '';
    if (call.started) {
      call.arguments += piece;
      return piece === '' || call.id === undefined
        ? []
        : [{ type: 'tool_use_delta', id: call.id, partialJson: piece }];
    }
    call.arguments += piece;
    return startIfReady(call);
  };

  return {
    push(chunk) {
      const events: ProviderEvent[] = [];
      if (!started) {
        started = true;
        events.push({ type: 'message_start' });
      }
      if (chunk.usage) usage = chunk.usage;
      // Untrusted input: some servers send usage-only chunks without a `choices` array.
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      const choice = choices.find((candidate) => candidate.index === 0) ?? choices[0];
      if (choice === undefined) return events;
      const delta = choice.delta ?? {};
      const reasoning = reasoningOf(delta);
      if (reasoning !== undefined) {
        thinking += reasoning;
        events.push({ type: 'thinking_delta', text: reasoning });
      }
      // A refusal is the model's answer to the user, so it is streamed as text.
      for (const piece of [delta.content, delta.refusal]) {
        if (typeof piece === 'string' && piece !== '') {
          text += piece;
          events.push({ type: 'text_delta', text: piece });
        }
      }
      (delta.tool_calls ?? []).forEach((toolCall, position) =>
        events.push(...pushToolCall(toolCall, position)),
      );
      if (choice.finish_reason) finishReason = choice.finish_reason;
      return events;
    },

    finish() {
      if (finishReason === undefined) {
        throw new ProviderError('openai: stream ended before a finish_reason (connection cut mid-stream)', {
          retryable: true,
        });
      }
      const events: ProviderEvent[] = [];
      const blocks: ContentBlock[] = [];
      if (thinking !== '') blocks.push({ type: 'thinking', thinking });
      if (text !== '') blocks.push({ type: 'text', text });
      const calls = [...toolCalls.values()].sort((left, right) => left.index - right.index);
      for (const call of calls) {
        if (call.name === undefined) {
          throw new ProviderError(`openai: tool call at index ${call.index} has no function name`, {
            retryable: false,
          });
        }
        // A server that never sent an id still needs one to pair the call with its result. A
        // random one: pending answers and their answers are told apart by it within a run.
        call.id ??= `call_${randomBytes(12).toString('hex')}`;
        events.push(...startIfReady(call));
        blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call, call.id) });
      }
      events.push(...blocks.map((block): ProviderEvent => ({ type: 'block_end', block })));
      if (usage !== undefined) events.push({ type: 'usage', usage: toTurnUsage(usage) });
      events.push({ type: 'message_end', stopReason: mapOpenAIFinishReason(finishReason, calls.length > 0) });
      return events;
    },
  };
}

/** Maps a whole chunk stream; see `createOpenAIStreamMapper` for the event order. */
export async function* mapOpenAIStream(
  chunks: AsyncIterable<ChatCompletionChunk>,
): AsyncGenerator<ProviderEvent> {
  const mapper = createOpenAIStreamMapper();
  for await (const chunk of chunks) yield* mapper.push(chunk);
  yield* mapper.finish();
}
