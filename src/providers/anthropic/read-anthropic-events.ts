import { APIError } from '@anthropic-ai/sdk';
import type { ErrorType } from '@anthropic-ai/sdk/resources/shared';
import { ProviderError } from '../../core/errors.js';
import type { ProviderEvent } from '../../core/provider.js';
import type { BodySink, ResponseBody } from '../transport/response-body.js';
import { SseDecoder, type SseMessage } from '../transport/sse-decoder.js';
import {
  createAnthropicStreamMapper,
  type AnthropicStreamMapper,
  type RawMessageStreamEvent,
} from './map-anthropic-stream.js';
import { readTextDeltaFrame, type TextDeltaFrame } from './read-text-delta-frame.js';

/** Pause the socket once this many provider events wait for the reader. */
const HIGH_WATER_EVENTS = 256;

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
  readonly nodeBody: ResponseBody;
  readonly headers: Headers;
}

/** What `AnthropicEventReader.take` has when it has no events: wait for more, or the end. */
export type AnthropicReadState = 'wait' | 'end';

/**
 * Reads a streamed Messages API response straight from its body, decoding, parsing and
 * mapping each network read to `ProviderEvent`s synchronously as it arrives, so that the one
 * generator of the provider yields them with no stream layer in between. The official SDK's
 * stream rules apply: `ping` and unnamed events are skipped, so are events without data; an
 * `event: error` frame fails with the SDK's `APIError` (no status, the frame's error type);
 * every other event's data is parsed as JSON (a malformed one fails with `SyntaxError`; of a text
 * or thinking delta only its text, `readTextDeltaFrame`, when its data has Anthropic's own form) and
 * mapped as `createAnthropicStreamMapper` maps it. A failure comes after the events before it.
 * A body that ends before `message_stop` fails with a retryable `ProviderError`; one cut before
 * its end with its error, or `ECONNRESET`. The socket pauses while many events wait.
 */
export class AnthropicEventReader {
  readonly #response: StreamedAnthropicResponse;
  readonly #body: ResponseBody;
  readonly #decoder = new SseDecoder();
  readonly #mapper: AnthropicStreamMapper = createAnthropicStreamMapper();
  /** Decoded messages of the read being mapped (reused). */
  readonly #messages: SseMessage[] = [];
  /** The text delta being mapped (reused). */
  readonly #delta: TextDeltaFrame = { kind: 'text', index: 0, text: '' };
  /** Events mapped and not taken yet: `#events[#head..]` (the array is reused once drained). */
  readonly #events: ProviderEvent[] = [];
  #head = 0;
  #ended = false;
  #failed = false;
  #failure: unknown;
  #wake: (() => void) | undefined;

  constructor(response: StreamedAnthropicResponse) {
    this.#response = response;
    this.#body = response.nodeBody;
    const sink: BodySink = { data: this.#onData, end: this.#onEnd, error: this.#onError };
    this.#body.read(sink);
  }

  /**
   * The next event that arrived, else `'wait'` (call `wait()`) or `'end'` once the body ended
   * after `message_stop`. Throws a failure once the events before it were taken.
   */
  take(): ProviderEvent | AnthropicReadState {
    const event = this.takeReady();
    if (event !== undefined) return event;
    if (this.#failed) throw this.#failure;
    if (!this.#ended) return 'wait';
    if (!this.#mapper.finished) {
      throw new ProviderError('anthropic stream ended before message_stop', { retryable: true });
    }
    return 'end';
  }

  /**
   * The next event that arrived, else undefined (then `take()` says whether to wait, the end or
   * the failure). Never throws. Once every event that arrived was taken, a paused body resumes.
   */
  takeReady(): ProviderEvent | undefined {
    const events = this.#events;
    const head = this.#head;
    if (head >= events.length) return undefined;
    const event = events[head] as ProviderEvent;
    if (head + 1 < events.length) {
      this.#head = head + 1;
    } else {
      // Drained: the array is reused for the next read.
      events.length = 0;
      this.#head = 0;
      if (this.#body.isPaused()) this.#body.resume();
    }
    return event;
  }

  /** Resolves when `take()` has something new: events, a failure or the end. */
  wait(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /**
   * Calls `callback` once, from the body's own event, when `take()` may have something new
   * (instead of `wait()`: no promise). Returns false, registering nothing, when it already has:
   * events not taken, a failure or the end.
   */
  whenReady(callback: () => void): boolean {
    if (this.#head < this.#events.length || this.#failed || this.#ended) return false;
    this.#wake = callback;
    return true;
  }

  /** Stops reading; a body not read to its end is destroyed so that its connection is not reused. Idempotent. */
  close(): void {
    this.#wake = undefined;
    this.#body.destroy();
  }

  #notify(): void {
    const resume = this.#wake;
    this.#wake = undefined;
    resume?.();
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#failure = error;
  }

  /** Maps the decoded messages; the first one that fails stops the reading. */
  #mapMessages(): void {
    const messages = this.#messages;
    try {
      for (let index = 0; index < messages.length; index += 1) {
        const message = messages[index] as SseMessage;
        const event = message.event;
        if (event === 'ping' || event === null) continue;
        if (event === 'error') {
          const body = parseOrText(message.data);
          // The SDK's own constructor and arguments, so that error classification sees exactly
          // what it sees on the SDK path (a non-JSON frame is passed as its text, as there).
          throw new APIError(undefined, body as object, undefined, this.#response.headers, errorTypeOf(body));
        }
        const data = message.data;
        if (data === '') continue;
        // Most events of a turn are text (or thinking) deltas: read without parsing the object.
        const delta = this.#delta;
        if (readTextDeltaFrame(data, delta)) {
          this.#mapper.mapTextDelta(delta.index, delta.kind, delta.text, this.#events);
        } else {
          this.#mapper.map(JSON.parse(data) as RawMessageStreamEvent, this.#events);
        }
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      messages.length = 0;
    }
  }

  readonly #onData = (chunk: string): void => {
    if (this.#failed) return;
    this.#decoder.push(chunk, this.#messages);
    if (this.#messages.length === 0) return;
    this.#mapMessages();
    if (this.#events.length - this.#head >= HIGH_WATER_EVENTS) this.#body.pause();
    this.#notify();
  };

  readonly #onEnd = (): void => {
    if (!this.#failed) {
      this.#decoder.end(this.#messages);
      this.#mapMessages();
    }
    this.#ended = true;
    this.#notify();
  };

  readonly #onError = (error: Error): void => {
    this.#fail(error);
    this.#notify();
  };
}
