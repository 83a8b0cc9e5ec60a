import type { LogEntrySource, LogFeed, StopFollowing } from '../../agent/log-follower.js';
import type { LogEntry } from '../../core/events.js';
import { createBacklogMeter } from './backlog-meter.js';
import { nativeSseFraming, type SseFrame, type SseFraming } from './sse-framing.js';
import { serverDefaults } from '../contracts/server-spec.js';

/** Options of an event stream (`createSseStream`, `sseResponse`). */
export interface SseStreamOptions {
  /**
   * Entries to send, ending after the terminal event: a local log's push feed (`EventLog.feed`,
   * framed on the append itself), or an async iterable (a log in a shared store) that ends when
   * the signal given to it aborts.
   */
  entries: LogEntrySource;
  /** Aborted when the client goes away (the request's signal). */
  signal: AbortSignal;
  /** Interval of `heartbeat` events in ms (`server.heartbeatIntervalMs`). Heartbeats carry no `id:`. */
  heartbeatIntervalMs?: number;
  /**
   * Called once when the stream ends before its terminal event was sent: the client went away,
   * or an event could not be serialised (after the `stream_error` frame). Either way nobody
   * reads the rest of the run, so the caller normally cancels it. `reason` says which.
   */
  onAbandoned?: (reason: string) => void;
  /** Called once when the stream stops for any reason (after `onAbandoned`, if that runs). */
  onClosed?: () => void;
  /** Called when the stream starts; the function it returns is called once when it stops. */
  track?: () => () => void;
  /** Clock for heartbeat timestamps (unix milliseconds). */
  now?: () => number;
  /** Id of the run; frames carry `id: <runId>:<seq>` so that a resume names its run. */
  runId?: string;
  /** Sent once as `retry: <ms>`: how soon an `EventSource` reconnects after a drop. */
  retryMs?: number;
  /**
   * Most bytes this stream may hold for a client that reads slower than the run writes
   * (`server.maxBufferedBytesPerStream`), behind the write in flight: one event larger than this, or the catch-up
   * of a resume, is always delivered. Past it the connection is dropped (`onAbandoned` with
   * `CLIENT_TOO_SLOW`): the run goes on, and the client resumes from its `Last-Event-ID`.
   */
  maxBufferedBytes?: number;
  /**
   * Closes the client's connection at once (used when the client is dropped for slowness);
   * returns false when it cannot, and the stream then ends itself with an error.
   */
  dropConnection?: () => boolean;
  /**
   * How entries become frames (unless given, our native protocol: `formatSseEntry` plus `heartbeat`
   * events). The frontend adapters pass their own, so that every protocol streams through the
   * same backpressure, keep-alive and release rules.
   */
  framing?: SseFraming;
}

/** `onAbandoned` reason: the client closed the connection. */
export const CLIENT_DISCONNECTED = 'client disconnected';

/** `onAbandoned` reason: the client fell more than `maxBufferedBytes` behind and was dropped. */
export const CLIENT_TOO_SLOW = 'client fell too far behind';

/** Whether an `onAbandoned` reason means the client left (the run itself is fine). */
export function isClientGone(reason: string): boolean {
  return reason === CLIENT_DISCONNECTED || reason === CLIENT_TOO_SLOW;
}

/** Where a session's frames go: a web stream's controller or a Node response. */
export interface SseSink {
  /**
   * Sends `chunk` (text, which may be `''`, or bytes that the sink must not modify); with `end`,
   * the body ends right after it. Returns how much the write adds to `unsentBytes()` (the
   * sink's own unit: bytes, or string length).
   */
  write(chunk: string | Uint8Array, end: boolean): number;
  /** How much of what was written the client has not taken yet. */
  unsentBytes(): number;
  /** Ends the body (nothing more is sent); idempotent. */
  end(): void;
  /** Drops a client that fell too far behind: closes its connection without ending the body. */
  drop(): void;
}

/** A running event stream; see `startSseSession`. */
export interface SseSession {
  /** Sends what is pending now (the `retry:` preamble included) instead of at the next turn. */
  flush(): void;
  /** Stops as if the client went away; idempotent. */
  stop(): void;
}

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
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? serverDefaults.heartbeatIntervalMs;
  const now = options.now ?? Date.now;
  const maxBufferedBytes = options.maxBufferedBytes ?? serverDefaults.maxBufferedBytesPerStream;
  const framing = options.framing ?? nativeSseFraming(options.runId);
  /** Cancels the push subscription (a local log), or aborts the iterable's reading (other sources). */
  let release: StopFollowing | undefined;
  let stopped = false;
  let terminalSent = false;
  let abandonReason = CLIENT_DISCONNECTED;
  /** Text frames written since the last flush, sent together as one write. */
  let pending = '';
  /** Chunks before `pending`, in order: an encoded frame and the text before it. */
  let queued: Array<string | Uint8Array> = [];
  const backlog = createBacklogMeter();
  let flushTimer: ReturnType<typeof setImmediate> | undefined;

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    release?.();
    if (heartbeat !== undefined) clearInterval(heartbeat);
    if (flushTimer !== undefined) clearImmediate(flushTimer);
    pending = '';
    queued = [];
    options.signal.removeEventListener('abort', stop);
    if (!terminalSent) options.onAbandoned?.(abandonReason);
    options.onClosed?.();
    untrack?.();
  };

  const flush = (end = false): void => {
    if (flushTimer !== undefined) clearImmediate(flushTimer);
    flushTimer = undefined;
    if (stopped || (pending === '' && queued.length === 0 && !end)) return;
    const chunks = queued;
    const text = pending;
    queued = [];
    pending = '';
    let size = 0;
    for (const chunk of chunks) size += sink.write(chunk, false);
    if (text !== '' || end) size += sink.write(text, end);
    backlog.wrote(size);
    // This client cannot keep up: drop it rather than hold the run's whole output for it.
    if (!end && backlog.behind(sink.unsentBytes()) > maxBufferedBytes) {
      abandonReason = CLIENT_TOO_SLOW;
      stop();
      sink.drop();
    }
  };
  const flushSoon = (): void => flush();
  const send = (text: string): void => {
    if (stopped) return;
    pending += text;
    flushTimer ??= setImmediate(flushSoon);
  };
  const sendBytes = (bytes: Uint8Array): void => {
    if (stopped) return;
    if (pending !== '') queued.push(pending);
    pending = '';
    queued.push(bytes);
    flushTimer ??= setImmediate(flushSoon);
  };

  const alreadyGone = options.signal.aborted;
  const untrack = alreadyGone ? undefined : options.track?.();
  const heartbeat = alreadyGone
    ? undefined
    : setInterval(() => send(framing.ping(now())), heartbeatIntervalMs);
  heartbeat?.unref?.();
  if (alreadyGone) {
    stop();
    sink.end();
    return { flush: () => undefined, stop };
  }
  options.signal.addEventListener('abort', stop, { once: true });
  if (options.retryMs !== undefined) {
    const preamble = `retry: ${Math.round(options.retryMs)}\n\n`;
    if (settings.holdPreamble === true) pending = preamble;
    else send(preamble);
  }

  /** Called once the entries ended (or failed): the last frames and the end of the body leave together. */
  const finish = (): void => {
    const open = !stopped;
    if (open) flush(true);
    stop();
    if (!open) sink.end();
  };
  /** Frames one entry; true when the stream ends with it (its last frame, or a failure to frame). */
  const sendEntry = (entry: LogEntry): boolean => {
    let frame: SseFrame;
    try {
      frame = framing.frame(entry);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      send(framing.failure(`SSE serialization failed: ${message}`));
      abandonReason = 'an event could not be serialised';
      return true;
    }
    if (frame.bytes !== undefined) sendBytes(frame.bytes);
    else if (frame.text !== '') send(frame.text);
    if (frame.last) terminalSent = true;
    return frame.last;
  };
  const failed = (error: unknown): void => {
    const message = error instanceof Error ? error.message : String(error);
    send(framing.failure(message));
    abandonReason = 'the event stream failed';
  };

  const source = options.entries;
  if (typeof source !== 'function') {
    release = followFeed(source, { sendEntry, failed, finish });
    return { flush: () => flush(), stop };
  }
  const lifetime = new AbortController();
  // A plain reason: without one, abort() builds a DOMException with a stack trace per stream.
  release = () => lifetime.abort('sse stream stopped');
  const pump = async (): Promise<void> => {
    for await (const entry of source(lifetime.signal)) {
      if (sendEntry(entry)) break;
    }
  };
  pump().catch(failed).finally(finish);
  return { flush: () => flush(), stop };
}

/** What a session gives `followFeed`. */
interface FeedReader {
  /** Frames one entry; true when the stream ends with it. */
  readonly sendEntry: (entry: LogEntry) => boolean;
  /** The feed ended with an error. */
  readonly failed: (error: unknown) => void;
  /** The entries ended: send the last frames and end the body. */
  readonly finish: () => void;
}

/**
 * Starts a push subscription to `feed` for a session: each entry is framed on its append, with
 * no promise or generator per entry or per idle stream. The subscription starts, and the
 * session finishes, one microtask away, as with an iterable: the route that starts the session
 * and the runner whose append ends it never see the session end inside their call. Returns
 * the idempotent cancel, for a session stopped first.
 */
function followFeed(feed: LogFeed, reader: FeedReader): StopFollowing {
  let ended = false;
  let stopFollowing: StopFollowing | undefined;
  const end = (): void => {
    if (ended) return;
    ended = true;
    stopFollowing?.();
    queueMicrotask(reader.finish);
  };
  queueMicrotask(() => {
    if (ended) return;
    stopFollowing = feed.follow({
      entry(entry) {
        if (!ended && reader.sendEntry(entry)) end();
      },
      end(...error: unknown[]) {
        if (ended) return;
        if (error.length > 0) reader.failed(error[0]);
        end();
      },
    });
    // The catch-up may have ended it (or the session) already.
    if (ended) stopFollowing();
  });
  // Stopped first (the client left): the body still ends, a microtask later, as it always did.
  return end;
}
