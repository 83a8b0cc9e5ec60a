import { ProviderError } from '../core/errors.js';
import type { ContentBlock, ToolUseBlock } from '../core/messages.js';
import type { ProviderEvent, ProviderEventIterator, TurnUsage } from '../core/provider.js';
import type { CompletedTurn, RunTurnOptions } from './run-turn.js';
import { emptyTurnUsage } from './usage.js';

/** How one attempt of a model turn ended. */
export type AttemptResult =
  | CompletedTurn
  | { status: 'aborted' }
  | { status: 'stall' }
  | { status: 'timeout' }
  | { status: 'provider_failure'; error: unknown };

/**
 * Reads one attempt's provider stream: each `next()` result is handled in its own callback,
 * which asks for the next one, so an event costs the provider's promise and one reaction, not
 * a promise, its closures and an `await` of the attempt's. A provider that reads its own socket
 * hands over the events after it as they arrive (`ProviderEventIterator`): those cost no
 * promise at all, each read's events handled in the provider's own callback. `result` settles once: on
 * `message_end`, a failure, or `abandon()` (the attempt's signal aborted); whatever the
 * stream does after that is ignored.
 */
export class AttemptReader {
  iterator: ProviderEventIterator | undefined;
  /** `message_end` arrived: the stream may end by itself. */
  completed = false;
  readonly result: Promise<AttemptResult>;
  #settle: (result: AttemptResult) => void = () => {};
  #settled = false;
  readonly #blocks: ContentBlock[] = [];
  readonly #toolCalls: ToolUseBlock[] = [];
  #usage: TurnUsage = emptyTurnUsage();
  readonly #onNext = (next: IteratorResult<ProviderEvent>): void => this.#handle(next);
  readonly #onError = (error: unknown): void => this.#fail(error);
  readonly #onReady = (): void => this.#ready();

  readonly #options: RunTurnOptions;
  readonly #watchdog: () => 'stall' | 'timeout' | undefined;
  #signal: AbortSignal | undefined;
  #stallTimer: NodeJS.Timeout | undefined;

  /** @param watchdog which watchdog, if any, aborted the attempt. */
  constructor(options: RunTurnOptions, watchdog: () => 'stall' | 'timeout' | undefined) {
    this.#options = options;
    this.#watchdog = watchdog;
    this.result = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /**
   * Opens the provider stream and asks for its first event.
   * @param signal the attempt's own signal (the run's, linked), given to the provider.
   * @param stallTimer refreshed on every event.
   */
  start(signal: AbortSignal, stallTimer: NodeJS.Timeout): void {
    this.#signal = signal;
    this.#stallTimer = stallTimer;
    try {
      const stream = this.#options.provider.stream(this.#options.request, signal);
      this.iterator = stream[Symbol.asyncIterator]();
      this.#pull();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** The attempt's signal aborted: settles as a stop, a stall or a timeout. */
  abandon(): void {
    this.#finish(classifyAbandoned(this.#options.signal, this.#watchdog(), undefined));
  }

  #pull(): void {
    if (this.#signal?.aborted === true) {
      this.abandon();
      return;
    }
    (this.iterator as ProviderEventIterator).next().then(this.#onNext, this.#onError);
  }

  #handle(next: IteratorResult<ProviderEvent>): void {
    if (this.#settled) return;
    try {
      if (next.done === true) {
        throw new ProviderError('Provider stream ended before the end of the message', { retryable: true });
      }
      this.#stallTimer?.refresh();
      if (this.#onEvent(next.value)) this.#takeReady();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Handles the events the provider already holds (`takeReady`), then waits for more. */
  #takeReady(): void {
    const iterator = this.iterator as ProviderEventIterator;
    if (iterator.takeReady !== undefined) {
      for (let event = iterator.takeReady(); event !== undefined; event = iterator.takeReady()) {
        if (this.#settled) return;
        if (this.#signal?.aborted === true) {
          this.abandon();
          return;
        }
        if (!this.#onEvent(event)) return;
      }
    }
    if (!this.#settled) this.#waitForMore();
  }

  /** Waits for the next events: told by the provider (`whenReady`) when it can, else `next()`. */
  #waitForMore(): void {
    const iterator = this.iterator as ProviderEventIterator;
    if (this.#signal?.aborted !== true && iterator.whenReady?.(this.#onReady) === true) return;
    this.#pull();
  }

  /** The provider may hold more events (`whenReady`): called from its own event, never throws. */
  #ready(): void {
    if (this.#settled) return;
    try {
      const event = (this.iterator as ProviderEventIterator).takeReady?.();
      // Nothing new (a read without events): wait again, or hear the end or a failure.
      if (event === undefined) {
        this.#waitForMore();
        return;
      }
      this.#stallTimer?.refresh();
      if (this.#signal?.aborted === true) this.abandon();
      else if (this.#onEvent(event)) this.#takeReady();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Handles one provider event; false when it ended the attempt. */
  #onEvent(event: ProviderEvent): boolean {
    const options = this.#options;
    switch (event.type) {
      case 'text_delta':
      case 'thinking_delta':
        options.emit({ type: event.type, text: event.text });
        break;
      case 'block_end':
        this.#blocks.push(event.block);
        if (event.block.type === 'tool_use') this.#toolCalls.push(event.block);
        if (event.block.type === 'compaction') {
          options.emit({ type: 'compaction', chars: event.block.content?.length ?? 0 });
        }
        break;
      case 'usage':
        this.#usage = event.usage;
        break;
      case 'message_end':
        this.completed = true;
        this.#finish({
          status: 'completed',
          blocks: this.#blocks,
          toolCalls: this.#toolCalls,
          stopReason: event.stopReason,
          usage: this.#usage,
        });
        return false;
      case 'message_start':
      case 'tool_use_start':
      case 'tool_use_delta':
        break;
    }
    return true;
  }

  #fail(error: unknown): void {
    if (this.#signal?.aborted === true)
      this.#finish(classifyAbandoned(this.#options.signal, this.#watchdog(), error));
    else this.#finish({ status: 'provider_failure', error });
  }

  #finish(result: AttemptResult): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(result);
  }
}

/** An abandoned attempt: stopped by the run, tripped by a watchdog, or else a provider failure. */
function classifyAbandoned(
  runSignal: AbortSignal,
  watchdog: 'stall' | 'timeout' | undefined,
  error: unknown,
): AttemptResult {
  if (runSignal.aborted) return { status: 'aborted' };
  if (watchdog !== undefined) return { status: watchdog };
  return { status: 'provider_failure', error };
}
