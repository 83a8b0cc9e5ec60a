import type { LogEntrySource } from '../../agent/log-follower.js';
import type { SseFraming } from './sse-framing.js';

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
  /**
   * Asked once when the entries end without a terminal event while the client is still there:
   * a last frame to send (the run goes on elsewhere: `stream_resume`), or undefined for none.
   * A stream that ends with it counts as complete (`onAbandoned` is not called).
   */
  endNotice?: () => string | undefined;
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
