import { ProviderError } from '../core/errors.js';
import type { GatewayEvent } from '../core/events.js';
import type { ContentBlock, StopReason, ToolUseBlock } from '../core/messages.js';
import type { Provider, ProviderRequest, TurnUsage } from '../core/provider.js';
import type { Sleep } from './abortable-sleep.js';
import { formatErrorChain } from './format-error-chain.js';
import { describeFailureForClient, type ClientFailure } from './describe-failure-for-client.js';
import { AttemptReader } from './attempt-reader.js';

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
  /** What the turn's attempts cost, as far as it is known (for the budget's settle). */
  spent?: AttemptSpend;
}

/** What a turn that did not complete is known to have cost: its last attempt's report. */
export interface AttemptSpend {
  /** The usage its last attempt reported, if any. */
  usage: TurnUsage | undefined;
  /** Whether anything came back from the model on any attempt. */
  reachedModel: boolean;
  /** The text its last attempt streamed. */
  streamedText: string;
}

/** A turn stopped by the run's signal. */
export interface AbortedTurn {
  status: 'aborted';
  /**
   * The text its last attempt streamed before the stop (empty when none): what the client saw
   * of the answer, kept in the history as an interrupted assistant message.
   */
  partialText: string;
  /** What the turn's attempts cost, as far as it is known (for the budget's settle). */
  spent?: AttemptSpend;
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
  let reachedModel = false;
  for (let attempt = 0; ; attempt += 1) {
    if (signal.aborted) return { status: 'aborted', partialText: '' };
    const reader = new AttemptReader(options);
    reader.begin();
    const result = await reader.result;
    reader.release();
    streamed ||= reader.streamed;
    reachedModel ||= reader.answered;
    if (result.status === 'completed') return result;
    const spent: AttemptSpend = {
      usage: reader.reportedUsage,
      reachedModel,
      streamedText: reader.partialText,
    };
    // What the client saw of the answer: this attempt's text (a retried attempt's is superseded).
    if (result.status === 'aborted') return { status: 'aborted', partialText: reader.partialText, spent };

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
      return { status: 'failed', error: detail, code: told.code, message: told.message, streamed, spent };
    }
    options.onRetry?.({ attempt, detail, code: told.code });
    options.emit({ type: 'stream_retry', attempt, error: told.message, code: told.code });
    await retry.sleep(Math.max(retry.baseDelayMs * 2 ** attempt, retryAfterMs), signal);
  }
}

/** How long a completed attempt's stream may take to end by itself after `message_end`. */
export { STREAM_END_GRACE_MS } from './attempt-reader.js';
