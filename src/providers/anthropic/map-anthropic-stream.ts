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
  /** Appends to `out` the provider events one raw event produces (often none, sometimes two). */
  map(event: RawMessageStreamEvent, out: ProviderEvent[]): void;
  /**
   * Does what `map` does for a `content_block_delta` of block `index` carrying a `text_delta`
   * (`kind` text) or a `thinking_delta` (`kind` thinking) of `text`: for a reader that read
   * only those fields of the frame.
   */
  mapTextDelta(index: number, kind: 'text' | 'thinking', text: string, out: ProviderEvent[]): void;
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
 * The per-turn mapper. Usage follows Anthropic semantics exactly: `inputTokens` is the
 * uncached input as reported (cache reads and writes are separate counts, never subtracted);
 * `message_delta` counts are cumulative, so each `usage` event is a full snapshot.
 */
class AnthropicStreamMapping implements AnthropicStreamMapper {
  // eslint-disable-next-line gateway/churn-collections -- made per model response
  readonly #blocks = new Map<number, OpenBlock>();
  readonly #usage: TurnUsage = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
  };
  #started = false;
  #finished = false;
  #stopReason: StopReason = 'end_turn';

  get finished(): boolean {
    return this.#finished;
  }

  map(event: RawMessageStreamEvent, out: ProviderEvent[]): void {
    if (this.#finished) return;
    switch (event.type) {
      case 'message_start': {
        if (this.#started) return;
        this.#started = true;
        const reported = event.message.usage;
        this.#usage.inputTokens = countOr(reported.input_tokens, 0);
        this.#usage.outputTokens = countOr(reported.output_tokens, 0);
        this.#usage.cacheReadTokens = countOr(reported.cache_read_input_tokens, 0);
        this.#usage.cacheCreationTokens = countOr(reported.cache_creation_input_tokens, 0);
        out.push({ type: 'message_start' }, this.#usageEvent());
        return;
      }
      case 'content_block_start':
        this.#startBlock(event.index, event.content_block, out);
        return;
      case 'content_block_delta': {
        const block = this.#blocks.get(event.index);
        if (block !== undefined) this.#applyDelta(block, event.delta, out);
        return;
      }
      case 'content_block_stop': {
        const block = this.#blocks.get(event.index);
        if (block === undefined) return;
        this.#blocks.delete(event.index);
        const completed = closeBlock(block);
        if (completed !== undefined) out.push({ type: 'block_end', block: completed });
        return;
      }
      case 'message_delta': {
        this.#stopReason = mapAnthropicStopReason(event.delta.stop_reason);
        const reported = event.usage;
        this.#usage.outputTokens = countOr(reported.output_tokens, this.#usage.outputTokens);
        // Newer API versions repeat (cumulative) input counts here; when present they win.
        this.#usage.inputTokens = countOr(reported.input_tokens, this.#usage.inputTokens);
        this.#usage.cacheReadTokens = countOr(reported.cache_read_input_tokens, this.#usage.cacheReadTokens);
        this.#usage.cacheCreationTokens = countOr(
          reported.cache_creation_input_tokens,
          this.#usage.cacheCreationTokens,
        );
        out.push(this.#usageEvent());
        return;
      }
      case 'message_stop':
        this.#finished = true;
        out.push({ type: 'message_end', stopReason: this.#stopReason });
    }
  }

  mapTextDelta(index: number, kind: 'text' | 'thinking', text: string, out: ProviderEvent[]): void {
    if (this.#finished) return;
    const block = this.#blocks.get(index);
    if (block === undefined) return;
    if (kind === 'text') {
      if (block.type !== 'text') return;
      block.text += text;
      if (text !== '') out.push({ type: 'text_delta', text });
    } else {
      if (block.type !== 'thinking') return;
      block.thinking += text;
      if (text !== '') out.push({ type: 'thinking_delta', text });
    }
  }

  #startBlock(
    index: number,
    contentBlock: Extract<RawMessageStreamEvent, { type: 'content_block_start' }>['content_block'],
    out: ProviderEvent[],
  ): void {
    switch (contentBlock.type) {
      case 'text':
        this.#blocks.set(index, { type: 'text', text: contentBlock.text });
        if (contentBlock.text !== '') out.push({ type: 'text_delta', text: contentBlock.text });
        return;
      case 'thinking':
        this.#blocks.set(index, {
          type: 'thinking',
          thinking: contentBlock.thinking,
          signature: contentBlock.signature ?? '',
        });
        if (contentBlock.thinking !== '') out.push({ type: 'thinking_delta', text: contentBlock.thinking });
        return;
      case 'redacted_thinking':
        this.#blocks.set(index, { type: 'redacted_thinking', data: contentBlock.data });
        return;
      case 'tool_use': {
        const startInput = isRecord(contentBlock.input) ? contentBlock.input : {};
        this.#blocks.set(index, {
          type: 'tool_use',
          id: contentBlock.id,
          name: contentBlock.name,
          json: '',
          startInput,
        });
        out.push({ type: 'tool_use_start', id: contentBlock.id, name: contentBlock.name });
        return;
      }
      case 'compaction':
        this.#blocks.set(index, {
          type: 'compaction',
          content: contentBlock.content,
          encryptedContent: contentBlock.encrypted_content,
          signature: contentBlock.signature,
        });
        return;
      default:
        this.#blocks.set(index, { type: 'ignored' });
    }
  }

  #applyDelta(
    block: OpenBlock,
    delta: Extract<RawMessageStreamEvent, { type: 'content_block_delta' }>['delta'],
    out: ProviderEvent[],
  ): void {
    if (delta.type === 'text_delta' && block.type === 'text') {
      block.text += delta.text;
      if (delta.text !== '') out.push({ type: 'text_delta', text: delta.text });
    } else if (delta.type === 'thinking_delta' && block.type === 'thinking') {
      block.thinking += delta.thinking;
      if (delta.thinking !== '') out.push({ type: 'thinking_delta', text: delta.thinking });
    } else if (delta.type === 'signature_delta' && block.type === 'thinking') {
      block.signature = delta.signature;
    } else if (delta.type === 'input_json_delta' && block.type === 'tool_use') {
      block.json += delta.partial_json;
      if (delta.partial_json !== '') {
        out.push({ type: 'tool_use_delta', id: block.id, partialJson: delta.partial_json });
      }
    } else if (delta.type === 'compaction_delta' && block.type === 'compaction') {
      // Each delta carries the summary so far and the metadata to send back.
      if (delta.content !== null) block.content = (block.content ?? '') + delta.content;
      if (delta.encrypted_content !== null) block.encryptedContent = delta.encrypted_content;
    }
    // Citations, and deltas that do not fit their block, carry nothing the history keeps.
  }

  #usageEvent(): ProviderEvent {
    return { type: 'usage', usage: { ...this.#usage } };
  }
}

/** Creates the mapper of one streamed turn (see `AnthropicStreamMapping`). */
export function createAnthropicStreamMapper(): AnthropicStreamMapper {
  return new AnthropicStreamMapping();
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
  const out: ProviderEvent[] = [];
  for await (const event of events) {
    mapper.map(event, out);
    for (const mapped of out) yield mapped;
    out.length = 0;
  }
  if (!mapper.finished) {
    throw new ProviderError('anthropic stream ended before message_stop', { retryable: true });
  }
}
