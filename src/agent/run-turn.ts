import { GatewayError, ProviderError } from '../core/errors.js';
import type { GatewayEvent } from '../core/events.js';
import type { ContentBlock, StopReason, ToolUseBlock } from '../core/messages.js';
import type { Provider, ProviderEvent, ProviderRequest, TurnUsage } from '../core/provider.js';
import type { Sleep } from './abortable-sleep.js';
import { formatErrorChain } from './format-error-chain.js';
import { describeFailureForClient, type ClientFailure } from './describe-failure-for-client.js';
import { createLinkedAbortController, type LinkedAbortController } from './linked-abort-controller.js';
import { AttemptReader, type AttemptResult } from './attempt-reader.js';

/** How failed model turns are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (3 → at most 4 attempts). */
  maxRetries: number;
  /** Wait before retry n (0-based) is `baseDelayMs × 2^n`, at least the server's retry-after. */
  baseDelayMs: number;
  /** Upper bound applied to a server's retry-after, so one header cannot park a run for hours. */
  maxRetryAfterMs: number;
  /** The abortable wait (injectable so tests can observe delays without wall time). */
  sleep: Sleep;
}

/** Everything one model turn needs. */
export interface RunTurnOptions {
  provider: Provider;
  request: ProviderRequest;
  /** Receives `text_delta`, `thinking_delta`, `compaction` and `stream_retry`. */
  emit: (event: GatewayEvent) => void;
  /** The run's signal: when it aborts the turn stops at once, without retry or error event. */
  signal: AbortSignal;
  /** No provider event for this long → the attempt is abandoned as a stall (retryable). */
  streamStallTimeoutMs: number;
  /** An attempt running longer than this → the turn fails with a timeout (not retried). */
  turnTimeoutMs: number;
  retry: RetryPolicy;
  /** Sees each retried failure with its full detail (for the log); optional. */
  onRetry?: (retry: { attempt: number; detail: string; code: string }) => void;
  /** Sees the client code of every failed attempt, retried or not (the circuit breaker counts them). */
  onAttemptFailed?: (code: string) => void;
  /**
   * Asked about a failure before anything of the turn was streamed: true ends the turn at once,
   * unretried, so that the caller tries another model (a `fallback` entry takes this failure).
   */
  moveOn?: (code: string) => boolean;
}

/** A model turn that streamed to its end. */
export interface CompletedTurn {
  status: 'completed';
  /** Completed blocks in stream order (text, thinking, tool_use…). */
  blocks: ContentBlock[];
  toolCalls: ToolUseBlock[];
  stopReason: StopReason;
  /** The last usage snapshot of the successful attempt. */
  usage: TurnUsage;
}

/** A model turn that failed: nothing was emitted about the failure (the caller tells the client). */
export interface FailedTurn {
  status: 'failed';
  /** Full detail, for the log and the run result. */
  error: string;
  /** Stable client code (`CLIENT_FAILURES`, or the watchdog's `upstream_stalled`/`turn_timeout`). */
  code: string;
  /** The fixed sentence the client may be told for `code`. */
  message: string;
  /** Whether text, reasoning or a compaction of this turn already reached the client. */
  streamed: boolean;
}

/** A turn stopped by the run's signal. */
export interface AbortedTurn {
  status: 'aborted';
  /**
   * The text its last attempt streamed before the stop (empty when none): what the client saw
   * of the answer, kept in the history as an interrupted assistant message.
   */
  partialText: string;
}

/**
 * How a model turn ended: completed; failed (the caller emits the `error` event and the run
 * ends without `stream_complete`, unless another model takes the turn); or aborted by the
 * run's signal (nothing more was emitted).
 */
export type TurnResult = CompletedTurn | FailedTurn | AbortedTurn;

const formatSeconds = (milliseconds: number): string => `${Number((milliseconds / 1000).toFixed(3))}s`;

/**
 * Streams one model turn, forwarding deltas live and retrying failed attempts.
 *
 * Retried: `ProviderError`s marked retryable, and stalls while attempts remain; each retry is
 * announced with `stream_retry` (deltas already streamed belong to the failed attempt and
 * must be discarded by readers). Not retried: a turn timeout, a non-retryable error, any
 * non-`ProviderError` failure, and a failure `moveOn` takes before anything was streamed.
 * Every timer and listener is released before this resolves.
 */
export async function runTurn(options: RunTurnOptions): Promise<TurnResult> {
  const { retry, signal } = options;
  let streamed = false;
  /** The text the current attempt streamed (a retried attempt's is superseded). */
  let partialText = '';
  const emit = (event: GatewayEvent): void => {
    if (event.type === 'text_delta' || event.type === 'thinking_delta' || event.type === 'compaction') {
      streamed = true;
      if (event.type === 'text_delta') partialText += event.text;
    }
    options.emit(event);
  };
  const attemptOptions = { ...options, emit };
  for (let attempt = 0; ; attempt += 1) {
    if (signal.aborted) return { status: 'aborted', partialText: '' };
    partialText = '';
    const result = await streamAttempt(attemptOptions);
    if (result.status === 'completed') return result;
    if (result.status === 'aborted') return { status: 'aborted', partialText };

    const hasAttemptsLeft = attempt < retry.maxRetries;
    let retryable = false;
    // `detail` is for the gateway's log and the run result; the client hears `told`, a fixed
    // sentence per code, so no host, port or upstream text reaches it.
    let detail: string;
    let told: ClientFailure;
    let retryAfterMs = 0;
    if (result.status === 'stall') {
      detail = `Stream watchdog: no stream events for ${formatSeconds(options.streamStallTimeoutMs)}`;
      told = { code: 'upstream_stalled', message: detail };
      retryable = true;
    } else if (result.status === 'timeout') {
      detail = `Stream watchdog: turn timeout after ${formatSeconds(options.turnTimeoutMs)} (turnTimeoutMs)`;
      told = { code: 'turn_timeout', message: detail };
    } else {
      detail = formatErrorChain(result.error);
      told = describeFailureForClient(result.error);
      if (result.error instanceof ProviderError && result.error.retryable) {
        retryable = true;
        retryAfterMs = Math.min(result.error.retryAfterMs ?? 0, retry.maxRetryAfterMs);
      }
    }

    options.onAttemptFailed?.(told.code);
    if (!retryable || !hasAttemptsLeft || (!streamed && options.moveOn?.(told.code) === true)) {
      return { status: 'failed', error: detail, code: told.code, message: told.message, streamed };
    }
    options.onRetry?.({ attempt, detail, code: told.code });
    emit({ type: 'stream_retry', attempt, error: told.message, code: told.code });
    await retry.sleep(Math.max(retry.baseDelayMs * 2 ** attempt, retryAfterMs), signal);
  }
}

/** One attempt: the provider stream under a stall timer (reset per event) and a turn timer. */
async function streamAttempt(options: RunTurnOptions): Promise<AttemptResult> {
  // An abandoned attempt (the run stopped, or a watchdog tripped) settles at once, its `next()`
  // still pending, so a provider that ignores its signal cannot hang the run. Told by the
  // link and the watchdog themselves: no abort listener of the attempt's own.
  let watchdog: 'stall' | 'timeout' | undefined;
  const reader = new AttemptReader(options, () => watchdog);
  const attempt = createLinkedAbortController(options.signal, () => reader.abandon());
  const trip = (kind: 'stall' | 'timeout'): void => {
    watchdog ??= kind;
    attempt.abort(
      new GatewayError(kind === 'stall' ? 'stream_stall' : 'turn_timeout', `stream watchdog: ${kind}`),
    );
    reader.abandon();
  };
  const stallTimer = setTimeout(() => trip('stall'), options.streamStallTimeoutMs);
  const turnTimer = setTimeout(() => trip('timeout'), options.turnTimeoutMs);
  try {
    reader.start(attempt.signal, stallTimer);
    return await reader.result;
  } finally {
    clearTimeout(stallTimer);
    clearTimeout(turnTimer);
    // A completed attempt lets its stream end by itself, off the run's path; an unfinished one
    // cancels its upstream request at once.
    const { iterator } = reader;
    if (reader.completed && iterator !== undefined) letStreamEnd(iterator, attempt);
    else abandonStream(iterator, attempt);
  }
}

/**
 * How long a completed attempt's stream may take to end by itself after `message_end` (the
 * rest of its body: usually the chunked body's last bytes, a packet behind) before it is
 * cancelled.
 */
export const STREAM_END_GRACE_MS = 2_000;

/** Cancels an attempt's upstream request and tells its stream to clean up (not awaited). */
function abandonStream(
  iterator: AsyncIterator<ProviderEvent> | undefined,
  attempt: LinkedAbortController,
): void {
  attempt.dispose();
  // A provider ignoring its signal may never settle: nothing waits for it.
  attempt.abort(new GatewayError('aborted', 'model turn attempt abandoned'));
  iterator?.return?.().catch(() => {});
}

/**
 * After `message_end`, reads the provider stream to its end in the background, for at most
 * `STREAM_END_GRACE_MS`. A response that ends normally is then complete rather than cancelled:
 * its keep-alive connection goes back to the pool for the next call, and nothing builds an
 * abort error. Waiting a single turn of the event loop was not enough: the body's last bytes
 * often come in a packet of their own, and each cancelled response cost a new connection and
 * an error with its stack (about a tenth of the gateway's CPU per chat, docs/PERFORMANCE.md).
 * A stream with more to say, one that keeps its connection open, and one whose run is
 * cancelled meanwhile are cancelled as before. The run does not wait for any of it.
 */
function letStreamEnd(iterator: AsyncIterator<ProviderEvent>, attempt: LinkedAbortController): void {
  const timer = setTimeout(() => abandonStream(iterator, attempt), STREAM_END_GRACE_MS);
  timer.unref();
  iterator.next().then(
    (result) => {
      clearTimeout(timer);
      if (result.done === true) attempt.dispose();
      else abandonStream(iterator, attempt);
    },
    () => {
      clearTimeout(timer);
      abandonStream(iterator, attempt);
    },
  );
}
