import type { LogFeed, LogFollower, StopFollowing } from '../../agent/log-follower.js';
import type { LogEntry } from '../../core/events.js';
import { BacklogMeter } from './backlog-meter.js';
import { NativeSseFraming, type SseFrame, type SseFraming } from './sse-framing.js';
import { serverDefaults } from '../contracts/server-spec.js';
import {
  CLIENT_DISCONNECTED,
  CLIENT_TOO_SLOW,
  type SseSession,
  type SseSink,
  type SseStreamOptions,
} from './sse-session-contract.js';

/**
 * Streams `options.entries` into `sink` as SSE frames until the terminal event, the client's
 * departure or a failure, then releases its timer, subscription and tracking. Frames produced
 * in one turn of the event loop leave as one write (a `setImmediate`, so a lone frame is not
 * held back behind any timer). A client that falls `maxBufferedBytes` behind the write in
 * flight is dropped: the memory one connection holds is bounded by the setting plus one write
 * (one event, however large, is always delivered), never by the run's length. With
 * `holdPreamble`, the `retry:` line waits for the first frame (or `flush()`) instead of
 * leaving alone.
 */
export function startSseSession(
  options: SseStreamOptions,
  sink: SseSink,
  settings: { holdPreamble?: boolean } = {},
): SseSession {
  return new RunningSseSession(options, sink, settings.holdPreamble === true);
}

/** The abort listener's options, shared by every session. */
const ONCE = { once: true } as const;

/** The heartbeat timer's callback (the session is its argument: no closure per stream). */
function beat(session: RunningSseSession): void {
  session.send(session.framing.ping(session.clock()));
}

/**
 * One session, as an object with fields rather than a closure per callback: a stream per chat
 * makes it hot. It is also the push feed's follower (`entry`, `end`) and the signal's abort
 * listener (`handleEvent`).
 */
class RunningSseSession implements SseSession, LogFollower {
  readonly framing: SseFraming;
  readonly clock: () => number;
  private readonly maxBufferedBytes: number;
  private readonly backlog = new BacklogMeter();
  private stopped = false;
  private terminalSent = false;
  private abandonReason = CLIENT_DISCONNECTED;
  /** Text frames written since the last flush, sent together as one write. */
  private pending = '';
  /** Chunks before `pending`, in order: an encoded frame and the text before it. */
  private queued: Array<string | Uint8Array> = [];
  private flushTimer: ReturnType<typeof setImmediate> | undefined = undefined;
  /**
   * The flush timer's callback, made once per stream: `setImmediate` with an argument would
   * allocate an argument array on every turn that sends something.
   */
  private readonly flushSoon = (): void => this.flushPending(false);
  private heartbeat: ReturnType<typeof setInterval> | undefined = undefined;
  private untrack: (() => void) | undefined = undefined;
  /** Reading an iterable source: aborted to stop it. */
  private lifetime: AbortController | undefined = undefined;
  /** Following a push feed: its cancel, once subscribed. */
  private stopFollowing: StopFollowing | undefined = undefined;
  /** The push feed ended (its last entry, its failure, or the session stopped first). */
  private feedEnded = false;

  constructor(
    private readonly options: SseStreamOptions,
    private readonly sink: SseSink,
    holdPreamble: boolean,
  ) {
    this.framing = options.framing ?? new NativeSseFraming(options.runId);
    this.clock = options.now ?? Date.now;
    this.maxBufferedBytes = options.maxBufferedBytes ?? serverDefaults.maxBufferedBytesPerStream;
    if (options.signal.aborted) {
      this.feedEnded = true;
      this.stop();
      sink.end();
      return;
    }
    this.untrack = options.track?.();
    this.heartbeat = setInterval(
      beat,
      options.heartbeatIntervalMs ?? serverDefaults.heartbeatIntervalMs,
      this,
    );
    this.heartbeat.unref?.();
    options.signal.addEventListener('abort', this, ONCE);
    if (options.retryMs !== undefined) {
      const preamble = `retry: ${Math.round(options.retryMs)}\n\n`;
      if (holdPreamble) this.pending = preamble;
      else this.send(preamble);
    }
    const source = options.entries;
    if (typeof source !== 'function') {
      // The subscription starts, and the session finishes, one microtask away, as with an
      // iterable: the route that starts the session and the runner whose append ends it never
      // see the session end inside their call.
      queueMicrotask(() => this.follow(source));
      return;
    }
    this.lifetime = new AbortController();
    this.pump(source, this.lifetime.signal)
      .catch((error: unknown) => this.failed(error))
      .finally(() => this.finish());
  }

  /** Sends what is pending now (the `retry:` preamble included) instead of at the next turn. */
  flush(): void {
    this.flushPending(false);
  }

  /** Stops as if the client went away; idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.release();
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    if (this.flushTimer !== undefined) clearImmediate(this.flushTimer);
    this.pending = '';
    this.queued = [];
    const options = this.options;
    options.signal.removeEventListener('abort', this);
    if (!this.terminalSent) options.onAbandoned?.(this.abandonReason);
    options.onClosed?.();
    this.untrack?.();
  }

  /** The request's signal aborted: the client went away. */
  handleEvent(): void {
    this.stop();
  }

  /** Writes what is pending (with `end`, the body ends with it), then checks the backlog. */
  flushPending(end: boolean): void {
    if (this.flushTimer !== undefined) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    if (this.stopped || (this.pending === '' && this.queued.length === 0 && !end)) return;
    const sink = this.sink;
    const text = this.pending;
    this.pending = '';
    let size = 0;
    if (this.queued.length > 0) {
      const chunks = this.queued;
      this.queued = [];
      for (const chunk of chunks) size += sink.write(chunk, false);
    }
    if (text !== '' || end) size += sink.write(text, end);
    this.backlog.wrote(size);
    // This client cannot keep up: drop it rather than hold the run's whole output for it.
    if (!end && this.backlog.behind(sink.unsentBytes()) > this.maxBufferedBytes) {
      this.abandonReason = CLIENT_TOO_SLOW;
      this.stop();
      sink.drop();
    }
  }

  /** Queues text frames for the next flush. */
  send(text: string): void {
    if (this.stopped) return;
    this.pending += text;
    this.flushTimer ??= setImmediate(this.flushSoon);
  }

  private sendBytes(bytes: Uint8Array): void {
    if (this.stopped) return;
    if (this.pending !== '') this.queued.push(this.pending);
    this.pending = '';
    this.queued.push(bytes);
    this.flushTimer ??= setImmediate(this.flushSoon);
  }

  /** Called once the entries ended (or failed): the last frames and the end of the body leave together. */
  private finish(): void {
    const open = !this.stopped;
    const notice = open && !this.terminalSent ? this.options.endNotice?.() : undefined;
    if (notice !== undefined) {
      this.send(notice);
      this.terminalSent = true;
    }
    if (open) this.flushPending(true);
    this.stop();
    if (!open) this.sink.end();
  }

  /** Frames one entry; true when the stream ends with it (its last frame, or a failure to frame). */
  private sendEntry(entry: LogEntry): boolean {
    let frame: SseFrame;
    try {
      frame = this.framing.frame(entry);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.send(this.framing.failure(`SSE serialization failed: ${message}`));
      this.abandonReason = 'an event could not be serialised';
      return true;
    }
    if (frame.bytes !== undefined) this.sendBytes(frame.bytes);
    else if (frame.text !== '') this.send(frame.text);
    if (frame.last) this.terminalSent = true;
    return frame.last;
  }

  private failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.send(this.framing.failure(message));
    this.abandonReason = 'the event stream failed';
  }

  /** Cancels the push subscription, or aborts the iterable's reading. */
  private release(): void {
    if (this.lifetime !== undefined) {
      // A plain reason: without one, abort() builds a DOMException with a stack trace per stream.
      this.lifetime.abort('sse stream stopped');
    } else {
      // Stopped first (the client left): the body still ends, a microtask later, as it always did.
      this.endFeed();
    }
  }

  private async pump(
    source: (signal: AbortSignal) => AsyncIterable<LogEntry>,
    signal: AbortSignal,
  ): Promise<void> {
    for await (const entry of source(signal)) {
      if (this.sendEntry(entry)) break;
    }
  }

  /** Starts the push subscription: each entry is framed on its append. */
  private follow(feed: LogFeed): void {
    if (this.feedEnded) return;
    this.stopFollowing = feed.follow(this);
    // The catch-up may have ended it (or the session) already.
    if (this.feedEnded) this.stopFollowing();
  }

  /** The push feed's side: one entry, on its append. */
  entry(entry: LogEntry): void {
    if (!this.feedEnded && this.sendEntry(entry)) this.endFeed();
  }

  /** The push feed's side: the subscription ended, with the error `entry` threw if any. */
  end(...error: unknown[]): void {
    if (this.feedEnded) return;
    if (error.length > 0) this.failed(error[0]);
    this.endFeed();
  }

  private endFeed(): void {
    if (this.feedEnded) return;
    this.feedEnded = true;
    this.stopFollowing?.();
    queueMicrotask(() => this.finish());
  }
}
