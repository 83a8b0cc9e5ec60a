import type { BetaRawMessageStreamEvent } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import type { RawMessageStreamEvent as StableRawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { ProviderError } from '../../core/errors.js';
import type { ContentBlock, StopReason } from '../../core/messages.js';
import type { ProviderEvent, TurnUsage } from '../../core/provider.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

/**
 * A raw stream event of either endpoint: the beta one (used for server-side compaction) sends
 * a superset of the stable one's events.
 */
export type RawMessageStreamEvent = StableRawMessageStreamEvent | BetaRawMessageStreamEvent;

/** Content block being streamed, accumulated until its `content_block_stop`. */
type OpenBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; json: string; startInput: Record<string, unknown> }
  | {
      type: 'compaction';
      content: string | null;
      encryptedContent: string | null;
      signature: string | null | undefined;
    }
  // Server-side blocks (web search, code execution, …) have no canonical form; they are skipped.
  | { type: 'ignored' };

/**
 * Turns raw Messages API stream events into `ProviderEvent`s, one event at a time. Stateful:
 * use one mapper per streamed turn.
 */
export interface AnthropicStreamMapper {
  /** The provider events one raw event produces (often none, sometimes two). */
  map(event: RawMessageStreamEvent): ProviderEvent[];
  /** Whether `message_stop` arrived; a stream that ends without it was cut. */
  readonly finished: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// The wire may send null (or, from a compatible server, nothing) for counts it does not track.
const countOr = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

const parseToolInput = (block: Extract<OpenBlock, { type: 'tool_use' }>): Record<string, unknown> => {
  if (block.json.trim() === '') return block.startInput;
  let parsed: unknown;
  try {
    parsed = JSON.parse(block.json);
  } catch (error) {
    throw new ProviderError(`anthropic streamed invalid JSON input for tool ${block.name} (${block.id})`, {
      retryable: false,
      cause: error,
    });
  }
  if (!isRecord(parsed)) {
    throw new ProviderError(`anthropic streamed a non-object input for tool ${block.name} (${block.id})`, {
      retryable: false,
    });
  }
  return parsed;
};

const closeBlock = (block: OpenBlock): ContentBlock | undefined => {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'thinking':
      return block.signature === ''
        ? { type: 'thinking', thinking: block.thinking }
        : { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: parseToolInput(block) };
    case 'compaction':
      return {
        type: 'compaction',
        content: block.content,
        encrypted_content: block.encryptedContent,
        ...(block.signature === undefined ? {} : { signature: block.signature }),
      };
    case 'ignored':
      return undefined;
  }
};

/**
 * Creates the per-turn mapper. Usage follows Anthropic semantics exactly: `inputTokens` is the
 * uncached input as reported (cache reads and writes are separate counts, never subtracted);
 * `message_delta` counts are cumulative, so each `usage` event is a full snapshot.
 */
export function createAnthropicStreamMapper(): AnthropicStreamMapper {
  const blocks = new Map<number, OpenBlock>();
  const usage: TurnUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
  let started = false;
  let finished = false;
  let stopReason: StopReason = 'end_turn';

  const usageEvent = (): ProviderEvent => ({ type: 'usage', usage: { ...usage } });

  const startBlock = (
    index: number,
    contentBlock: Extract<RawMessageStreamEvent, { type: 'content_block_start' }>['content_block'],
  ): ProviderEvent[] => {
    switch (contentBlock.type) {
      case 'text':
        blocks.set(index, { type: 'text', text: contentBlock.text });
        return contentBlock.text === '' ? [] : [{ type: 'text_delta', text: contentBlock.text }];
      case 'thinking':
        blocks.set(index, {
          type: 'thinking',
          thinking: contentBlock.thinking,
          signature: contentBlock.signature ?? '',
        });
        return contentBlock.thinking === '' ? [] : [{ type: 'thinking_delta', text: contentBlock.thinking }];
      case 'redacted_thinking':
        blocks.set(index, { type: 'redacted_thinking', data: contentBlock.data });
        return [];
      case 'tool_use': {
        const startInput = isRecord(contentBlock.input) ? contentBlock.input : {};
        blocks.set(index, {
          type: 'tool_use',
          id: contentBlock.id,
          name: contentBlock.name,
          json: '',
          startInput,
        });
        return [{ type: 'tool_use_start', id: contentBlock.id, name: contentBlock.name }];
      }
      case 'compaction':
        blocks.set(index, {
          type: 'compaction',
          content: contentBlock.content,
          encryptedContent: contentBlock.encrypted_content,
          signature: contentBlock.signature,
        });
        return [];
      default:
        blocks.set(index, { type: 'ignored' });
        return [];
    }
  };

  const applyDelta = (
    block: OpenBlock,
    delta: Extract<RawMessageStreamEvent, { type: 'content_block_delta' }>['delta'],
  ): ProviderEvent[] => {
    if (delta.type === 'text_delta' && block.type === 'text') {
      block.text += delta.text;
      return delta.text === '' ? [] : [{ type: 'text_delta', text: delta.text }];
    }
    if (delta.type === 'thinking_delta' && block.type === 'thinking') {
      block.thinking += delta.thinking;
      return delta.thinking === '' ? [] : [{ type: 'thinking_delta', text: delta.thinking }];
    }
    if (delta.type === 'signature_delta' && block.type === 'thinking') {
      block.signature = delta.signature;
      return [];
    }
    if (delta.type === 'input_json_delta' && block.type === 'tool_use') {
      block.json += delta.partial_json;
      return delta.partial_json === ''
        ? []
        : [{ type: 'tool_use_delta', id: block.id, partialJson: delta.partial_json }];
    }
    if (delta.type === 'compaction_delta' && block.type === 'compaction') {
      // Each delta carries the summary so far and the metadata to send back.
      if (delta.content !== null) block.content = (block.content ?? '') + delta.content;
      if (delta.encrypted_content !== null) block.encryptedContent = delta.encrypted_content;
      return [];
    }
    // Citations, and deltas that do not fit their block, carry nothing the history keeps.
    return [];
  };

  return {
    get finished() {
      return finished;
    },
    map(event) {
      if (finished) return [];
      switch (event.type) {
        case 'message_start': {
          if (started) return [];
          started = true;
          const reported = event.message.usage;
          usage.inputTokens = countOr(reported.input_tokens, 0);
          usage.outputTokens = countOr(reported.output_tokens, 0);
          usage.cacheReadTokens = countOr(reported.cache_read_input_tokens, 0);
          usage.cacheCreationTokens = countOr(reported.cache_creation_input_tokens, 0);
          return [{ type: 'message_start' }, usageEvent()];
        }
        case 'content_block_start':
          return startBlock(event.index, event.content_block);
        case 'content_block_delta': {
          const block = blocks.get(event.index);
          return block === undefined ? [] : applyDelta(block, event.delta);
        }
        case 'content_block_stop': {
          const block = blocks.get(event.index);
          if (block === undefined) return [];
          blocks.delete(event.index);
          const completed = closeBlock(block);
          return completed === undefined ? [] : [{ type: 'block_end', block: completed }];
        }
        case 'message_delta': {
          stopReason = mapAnthropicStopReason(event.delta.stop_reason);
          const reported = event.usage;
          usage.outputTokens = countOr(reported.output_tokens, usage.outputTokens);
          // Newer API versions repeat (cumulative) input counts here; when present they win.
          usage.inputTokens = countOr(reported.input_tokens, usage.inputTokens);
          usage.cacheReadTokens = countOr(reported.cache_read_input_tokens, usage.cacheReadTokens);
          usage.cacheCreationTokens = countOr(
            reported.cache_creation_input_tokens,
            usage.cacheCreationTokens,
          );
          return [usageEvent()];
        }
        case 'message_stop':
          finished = true;
          return [{ type: 'message_end', stopReason }];
        default:
          return [];
      }
    },
  };
}

/**
 * Maps a whole raw stream. Throws a retryable `ProviderError` when the stream ends before
 * `message_stop` (a cut connection), and a non-retryable one for malformed tool input.
 */
export async function* mapAnthropicStream(
  events: AsyncIterable<RawMessageStreamEvent>,
): AsyncGenerator<ProviderEvent, void, undefined> {
  const mapper = createAnthropicStreamMapper();
  // Read to the natural end even after `message_stop`: leaving early would cancel a response
  // that is already complete.
  for await (const event of events) yield* mapper.map(event);
  if (!mapper.finished) {
    throw new ProviderError('anthropic stream ended before message_stop', { retryable: true });
  }
}
