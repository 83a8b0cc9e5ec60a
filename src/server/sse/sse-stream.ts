import type { LogEntry } from '../../core/events.js';

/** Response headers of every event stream (the original's set). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/** Options of `createSseStream`. */
export interface SseStreamOptions {
  /** Entries to send, ending after the terminal event (an event-log subscription). */
  entries: (signal: AbortSignal) => AsyncIterable<LogEntry>;
  /** Aborted when the client goes away (the request's signal). */
  signal: AbortSignal;
  /** Interval of `heartbeat` events (default 15 000 ms). Heartbeats carry no `id:`. */
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
   * (default 1 MiB). Past it the connection is dropped (`onAbandoned` with
   * `CLIENT_TOO_SLOW`): the run goes on, and the client resumes from its `Last-Event-ID`.
   */
  maxBufferedBytes?: number;
  /**
   * Closes the client's connection at once (used when the client is dropped for slowness);
   * returns false when it cannot, and the stream then ends itself with an error.
   */
  dropConnection?: () => boolean;
  /**
   * How entries become frames (default: our native protocol, `formatSseEntry` plus `heartbeat`
   * events). The frontend adapters pass their own, so that every protocol streams through the
   * same backpressure, keep-alive and release rules.
   */
  framing?: SseFraming;
}

/** How a stream turns log entries into frames; see `SseStreamOptions.framing`. */
export interface SseFraming {
  /**
   * The frames of one entry (`''` for none) and whether the response ends after them. An end
   * counts as complete: `onAbandoned` is not called for it.
   */
  frame(entry: LogEntry): { text: string; last: boolean };
  /** A keep-alive frame (an SSE comment for protocols whose clients parse every `data:`). */
  ping(nowMs: number): string;
  /** What to send when an entry cannot be framed or the entries fail; the stream then ends. */
  failure(message: string): string;
}

/** Our native framing: `id:` + `data:` per event, heartbeats as `heartbeat` events. */
export function nativeSseFraming(runId?: string): SseFraming {
  return {
    frame: (entry) => ({
      text: formatSseEntry(entry, runId),
      last: entry.event.type === 'stream_complete' || entry.event.type === 'error',
    }),
    ping: (nowMs) =>
      `data: ${JSON.stringify({ type: 'heartbeat', timestamp: Math.floor(nowMs / 1000) })}\n\n`,
    failure: (message) => `data: ${JSON.stringify({ type: 'stream_error', error: message })}\n\n`,
  };
}

/** Default of `maxBufferedBytes`: 1 MiB per connection. */
export const DEFAULT_MAX_BUFFERED_BYTES_PER_STREAM = 1024 * 1024;

/** `onAbandoned` reason: the client closed the connection. */
export const CLIENT_DISCONNECTED = 'client disconnected';

/** `onAbandoned` reason: the client fell more than `maxBufferedBytes` behind and was dropped. */
export const CLIENT_TOO_SLOW = 'client fell too far behind';

/** Whether an `onAbandoned` reason means the client left (the run itself is fine). */
export function isClientGone(reason: string): boolean {
  return reason === CLIENT_DISCONNECTED || reason === CLIENT_TOO_SLOW;
}

const encoder = new TextEncoder();

/**
 * Serialises one log entry as an SSE frame: `id: <runId>:<seq>` (or `id: <seq>` without a run
 * id) then one `data:` line of compact JSON. JSON never contains a raw newline, so a single
 * data line is always enough.
 */
export function formatSseEntry(entry: LogEntry, runId?: string): string {
  const id = runId === undefined ? String(entry.seq) : `${runId}:${entry.seq}`;
  return `id: ${id}\ndata: ${JSON.stringify(entry.event)}\n\n`;
}

/**
 * Builds the body of an event stream. The stream closes itself right after the terminal event.
 * If an event cannot be serialised, one `stream_error` event is sent and the stream ends. When
 * the stream ends without having sent the terminal event (that failure, or the client
 * disconnecting first), `onAbandoned` runs. Timers and subscriptions are always released.
 * Frames written in the same event-loop turn are sent as one chunk (fewer socket writes).
 * A client that falls `maxBufferedBytes` behind is dropped (backpressure: the memory one
 * connection holds is bounded by the setting, never by the run's length).
 */
export function createSseStream(options: SseStreamOptions): ReadableStream<Uint8Array> {
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 15_000;
  const now = options.now ?? Date.now;
  const lifetime = new AbortController();
  let terminalSent = false;
  let abandonReason = CLIENT_DISCONNECTED;
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES_PER_STREAM;
  const framing = options.framing ?? nativeSseFraming(options.runId);
  let untrack: (() => void) | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Frames written since the last flush, sent together as one chunk. */
  let pending = '';
  let flushTimer: ReturnType<typeof setImmediate> | undefined;

  const stop = (): void => {
    if (lifetime.signal.aborted) return;
    // A plain reason: without one, abort() builds a DOMException with a stack trace per stream.
    lifetime.abort('sse stream stopped');
    if (heartbeat !== undefined) clearInterval(heartbeat);
    if (flushTimer !== undefined) clearImmediate(flushTimer);
    pending = '';
    options.signal.removeEventListener('abort', onClientGone);
    if (!terminalSent) options.onAbandoned?.(abandonReason);
    options.onClosed?.();
    untrack?.();
  };
  const onClientGone = (): void => stop();

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (options.signal.aborted) {
          stop();
          controller.close();
          return;
        }
        options.signal.addEventListener('abort', onClientGone, { once: true });
        untrack = options.track?.();
        const flush = (): void => {
          if (flushTimer !== undefined) clearImmediate(flushTimer);
          flushTimer = undefined;
          if (pending === '' || lifetime.signal.aborted) return;
          controller.enqueue(encoder.encode(pending));
          pending = '';
          // The queue counts bytes the transport has not taken yet (it stops taking them while
          // the socket's own buffer is full). Past the limit this client cannot keep up: drop
          // it rather than hold the run's whole output for it.
          const desiredSize = controller.desiredSize;
          if (desiredSize !== null && desiredSize < 0) {
            abandonReason = CLIENT_TOO_SLOW;
            stop();
            // Closing the socket discards its buffer and cancels this stream quietly; a
            // stream error would do the same but makes the Node adapter log it.
            if (options.dropConnection?.() !== true) controller.error(new Error(CLIENT_TOO_SLOW));
          }
        };
        // Frames produced in the same turn of the event loop (a network read from the model
        // often carries several events) leave as one chunk: one socket write instead of one per
        // event. The wait is a setImmediate, so a lone frame is not held back behind any timer.
        const send = (text: string): void => {
          if (lifetime.signal.aborted) return;
          pending += text;
          flushTimer ??= setImmediate(flush);
        };
        if (options.retryMs !== undefined) send(`retry: ${Math.round(options.retryMs)}\n\n`);
        heartbeat = setInterval(() => send(framing.ping(now())), heartbeatIntervalMs);
        heartbeat.unref?.();

        const pump = async (): Promise<void> => {
          for await (const entry of options.entries(lifetime.signal)) {
            let frame: { text: string; last: boolean };
            try {
              frame = framing.frame(entry);
            } catch (error) {
              const message = error instanceof Error ? error.message : String(error);
              send(framing.failure(`SSE serialization failed: ${message}`));
              abandonReason = 'an event could not be serialised';
              break;
            }
            if (frame.text !== '') send(frame.text);
            if (frame.last) {
              terminalSent = true;
              break;
            }
          }
        };
        pump()
          .catch((error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            send(framing.failure(message));
            abandonReason = 'the event stream failed';
          })
          .finally(() => {
            flush();
            stop();
            try {
              controller.close();
            } catch {
              // Already closed, errored or cancelled by the client: nothing left to release.
            }
          });
      },
      cancel() {
        stop();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: maxBufferedBytes }),
  );
}
