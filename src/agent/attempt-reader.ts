import { GatewayError, ProviderError } from '../core/errors.js';
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

/** The listener options of the run's abort: it fires once. */
const ONCE = { once: true } as const;

/**
 * How long a completed attempt's stream may take to end by itself after `message_end` (the
 * rest of its body: usually the chunked body's last bytes, a packet behind) before it is
 * cancelled.
 */
export const STREAM_END_GRACE_MS = 2_000;

/**
 * One attempt of a model turn: the provider stream under a stall timer (reset per event) and a
 * turn timer, with a signal of its own linked to the run's (`begin`), read until `result`
 * settles, then released (`release`).
 *
 * Each `next()` result is handled in its own callback, which asks for the next one, so an
 * event costs the provider's promise and one reaction, not a promise, its closures and an
 * `await` of the attempt's. A provider that reads its own socket hands over the events after
 * it as they arrive (`ProviderEventIterator`): those cost no promise at all, each read's events
 * handled in the provider's own callback. `result` settles once: on `message_end`, a failure,
 * or when the attempt is abandoned (the run stopped, or a watchdog tripped), its `next()` still
 * pending, so a provider that ignores its signal cannot hang the run; whatever the stream does
 * after that is ignored.
 */
export class AttemptReader {
  iterator: ProviderEventIterator | undefined;
  /** `message_end` arrived: the stream may end by itself. */
  completed = false;
  /** Text, reasoning or a compaction of this attempt reached the client. */
  streamed = false;
  /** The text this attempt streamed (what the client saw of its answer). */
  partialText = '';
  /** Any event of the model's came back on this attempt (its call reached the model). */
  answered = false;
  /** The last usage the provider reported on this attempt; undefined until one came. */
  reportedUsage: TurnUsage | undefined;
  readonly result: Promise<AttemptResult>;
  #settle: (result: AttemptResult) => void = () => {};
  #settled = false;
  readonly #blocks: ContentBlock[] = [];
  readonly #toolCalls: ToolUseBlock[] = [];
  #usage: TurnUsage = emptyTurnUsage();
  readonly #onNext = (next: IteratorResult<ProviderEvent>): void => this.#handle(next);
  readonly #onError = (error: unknown): void => this.#fail(error);
  readonly #onReady = (): void => this.#ready();
  readonly #onRunAbort = (): void => this.#runAborted();
  readonly #onStall = (): void => this.#trip('stall');
  readonly #onTurnTimeout = (): void => this.#trip('timeout');

  readonly #options: RunTurnOptions;
  /** The attempt's own signal's controller: the run's abort, a watchdog or `release` abort it. */
  readonly #controller = new AbortController();
  readonly #signal = this.#controller.signal;
  #linked = false;
  /** Which watchdog, if any, abandoned the attempt. */
  #watchdog: 'stall' | 'timeout' | undefined;
  #stallTimer: NodeJS.Timeout | undefined;
  #turnTimer: NodeJS.Timeout | undefined;

  constructor(options: RunTurnOptions) {
    this.#options = options;
    this.result = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /**
   * Links the attempt's signal to the run's (an aborted run abandons it at once), starts the
   * watchdogs, opens the provider stream with that signal and asks for the first event.
   */
  begin(): void {
    const options = this.#options;
    const runSignal = options.signal;
    if (runSignal.aborted) {
      this.#controller.abort(runSignal.reason);
      this.abandon();
      return;
    }
    runSignal.addEventListener('abort', this.#onRunAbort, ONCE);
    this.#linked = true;
    this.#stallTimer = setTimeout(this.#onStall, options.streamStallTimeoutMs);
    this.#turnTimer = setTimeout(this.#onTurnTimeout, options.turnTimeoutMs);
    try {
      const stream = options.provider.stream(options.request, this.#signal);
      this.iterator = stream[Symbol.asyncIterator]();
      this.#pull();
    } catch (error) {
      this.#fail(error);
    }
  }

  /**
   * Stops the watchdogs once `result` settled. A completed attempt lets its stream end by
   * itself, off the run's path; an unfinished one cancels its upstream request at once.
   */
  release(): void {
    clearTimeout(this.#stallTimer);
    clearTimeout(this.#turnTimer);
    if (this.completed && this.iterator !== undefined) this.#letStreamEnd(this.iterator);
    else this.#abandonStream();
  }

  /** The attempt's signal aborted: settles as a stop, a stall or a timeout. */
  abandon(): void {
    this.#finish(classifyAbandoned(this.#options.signal, this.#watchdog, undefined));
  }

  /** The run's signal aborted: the attempt's follows, and the attempt is abandoned. */
  #runAborted(): void {
    this.#controller.abort(this.#options.signal.reason);
    this.abandon();
  }

  /** A watchdog tripped: the attempt's request is cancelled and the attempt abandoned. */
  #trip(kind: 'stall' | 'timeout'): void {
    this.#watchdog ??= kind;
    this.#controller.abort(
      new GatewayError(kind === 'stall' ? 'stream_stall' : 'turn_timeout', `stream watchdog: ${kind}`),
    );
    this.abandon();
  }

  /** Drops the link to the run's signal; idempotent. */
  #unlink(): void {
    if (!this.#linked) return;
    this.#linked = false;
    this.#options.signal.removeEventListener('abort', this.#onRunAbort);
  }

  /** Cancels the attempt's upstream request and tells its stream to clean up (not awaited). */
  #abandonStream(): void {
    this.#unlink();
    // A provider ignoring its signal may never settle: nothing waits for it.
    this.#controller.abort(new GatewayError('aborted', 'model turn attempt abandoned'));
    this.iterator?.return?.().catch(() => {});
  }

  /**
   * After `message_end`, reads the provider stream to its end in the background, for at most
   * `STREAM_END_GRACE_MS`. A response that ends normally is then complete rather than
   * cancelled: its keep-alive connection goes back to the pool for the next call, and nothing
   * builds an abort error. Waiting a single turn of the event loop was not enough: the body's
   * last bytes often come in a packet of their own, and each cancelled response cost a new
   * connection and an error with its stack (about a tenth of the gateway's CPU per chat,
   * docs/PERFORMANCE.md). A stream with more to say, one that keeps its connection open, and
   * one whose run is cancelled meanwhile are cancelled as before. The run does not wait for
   * any of it.
   */
  #letStreamEnd(iterator: ProviderEventIterator): void {
    const timer = setTimeout(() => this.#abandonStream(), STREAM_END_GRACE_MS);
    timer.unref();
    iterator.next().then(
      (result) => {
        clearTimeout(timer);
        if (result.done === true) this.#unlink();
        else this.#abandonStream();
      },
      () => {
        clearTimeout(timer);
        this.#abandonStream();
      },
    );
  }

  #pull(): void {
    if (this.#signal.aborted) {
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
        if (this.#signal.aborted) {
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
    if (!this.#signal.aborted && iterator.whenReady?.(this.#onReady) === true) return;
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
      if (this.#signal.aborted) this.abandon();
      else if (this.#onEvent(event)) this.#takeReady();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Handles one provider event; false when it ended the attempt. */
  #onEvent(event: ProviderEvent): boolean {
    const options = this.#options;
    this.answered = true;
    switch (event.type) {
      case 'text_delta':
        this.streamed = true;
        this.partialText += event.text;
        options.emit({ type: 'text_delta', text: event.text });
        break;
      case 'thinking_delta':
        this.streamed = true;
        options.emit({ type: 'thinking_delta', text: event.text });
        break;
      case 'block_end':
        this.#blocks.push(event.block);
        if (event.block.type === 'tool_use') this.#toolCalls.push(event.block);
        if (event.block.type === 'compaction') {
          this.streamed = true;
          options.emit({ type: 'compaction', chars: event.block.content?.length ?? 0 });
        }
        break;
      case 'usage':
        this.#usage = event.usage;
        this.reportedUsage = event.usage;
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
    if (this.#signal.aborted) this.#finish(classifyAbandoned(this.#options.signal, this.#watchdog, error));
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
