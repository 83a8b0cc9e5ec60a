import type { GatewayEvent, GatewayEventType } from '../../core/events.js';
import { isTerminalEvent } from '../../core/events.js';
import { readSseFrames, type SseFrame } from './read-sse-frames.js';

/** The event of one `type`, narrowed from the union. */
export type GatewayEventOf<Type extends GatewayEventType> = Extract<GatewayEvent, { type: Type }>;

/** Options of the waiting methods of a `TestRun`. */
export interface WaitOptions {
  /** Stops this wait (the stream stays open; the run goes on). */
  signal?: AbortSignal;
}

/**
 * One event stream of a run, as `POST /chat` or `GET /chat/stream` answered it. Every event
 * read is kept, so `collect()` and `text()` always cover the whole stream; `waitFor()` and
 * `for await` move a read position forward instead, so that a second `waitFor` of the same
 * type finds the next such event. Leaving a `for await` loop early does not close the stream.
 */
export interface TestRun extends AsyncIterable<GatewayEvent> {
  /** 200 for a stream; 204 when a resume found nothing left to send (the run has no events). */
  readonly status: 200 | 204;
  /** The run's id, known once the first numbered event has been read. */
  readonly runId: string | undefined;
  /** The `id` of the last numbered event read (`<runId>:<seq>`): what a resume sends back. */
  readonly lastEventId: string | undefined;
  /** Every event read so far, in order. */
  readonly events: readonly GatewayEvent[];
  /** The terminal event (`stream_complete` or `error`), once read. */
  readonly terminal: GatewayEventOf<'stream_complete' | 'error'> | undefined;
  /**
   * The next event of `type` after the read position (which moves past it). Throws when the
   * stream ends first, naming the events it saw instead.
   */
  waitFor<Type extends GatewayEventType>(type: Type, options?: WaitOptions): Promise<GatewayEventOf<Type>>;
  /** Reads to the end of the stream (right after the terminal event) and returns every event. */
  collect(options?: WaitOptions): Promise<GatewayEvent[]>;
  /**
   * Reads to the end and joins the `text_delta`s. As in `runAutonomous`'s output, a
   * `stream_retry` discards the text before it: it belonged to the attempt that failed.
   */
  text(options?: WaitOptions): Promise<string>;
  /**
   * Closes the stream as a client that goes away would (the run itself goes on and can be
   * resumed); events already read stay readable. Idempotent.
   */
  close(): Promise<void>;
}

/** Options of `createTestRun`. */
export interface CreateTestRunOptions {
  /** The SSE body; null for a 204 answer. */
  body: ReadableStream<Uint8Array> | null;
  /** The caller's signal for the whole stream: aborting it fails every pending and later read. */
  signal?: AbortSignal;
  /** Keep `heartbeat` events (default false: they are keep-alives, not part of the run). */
  heartbeats?: boolean;
}

/** Waits for `promise`, or rejects with the reason of `signal` if it aborts first. */
function untilSettledOrAborted<Value>(
  promise: Promise<Value>,
  signal: AbortSignal | undefined,
): Promise<Value> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<Value>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const runIdOf = (id: string): string | undefined => {
  const separator = id.lastIndexOf(':');
  return separator === -1 ? undefined : id.slice(0, separator);
};

/** Wraps an SSE answer of the gateway in a `TestRun`. */
export function createTestRun(options: CreateTestRunOptions): TestRun {
  const { body } = options;
  const closing = new AbortController();
  const streamSignal =
    options.signal === undefined ? closing.signal : AbortSignal.any([options.signal, closing.signal]);
  const frames = body === null ? undefined : readSseFrames(body, streamSignal);
  const events: GatewayEvent[] = [];
  let lastEventId: string | undefined;
  let ended = frames === undefined;
  let failure: { error: unknown } | undefined;
  let pulling: Promise<void> | undefined;
  let position = 0;

  const accept = (frame: SseFrame): boolean => {
    if (frame.event.type === 'heartbeat' && options.heartbeats !== true) return false;
    if (frame.id !== undefined) lastEventId = frame.id;
    events.push(frame.event);
    return true;
  };

  /** Reads until one more event is kept or the stream ends; one read at a time. */
  const pull = (): Promise<void> => {
    if (frames === undefined || ended) return Promise.resolve();
    pulling ??= (async () => {
      try {
        for (;;) {
          const result = await frames.next();
          if (result.done === true) {
            ended = true;
            return;
          }
          if (accept(result.value)) return;
        }
      } catch (error) {
        ended = true;
        // A deliberate close() is an end, not a failure.
        if (!closing.signal.aborted || options.signal?.aborted === true) failure = { error };
      }
    })().finally(() => {
      pulling = undefined;
    });
    return pulling;
  };

  /** The event at `index`, reading as far as needed; undefined when the stream ends before it. */
  const eventAt = async (
    index: number,
    signal: AbortSignal | undefined,
  ): Promise<GatewayEvent | undefined> => {
    while (events.length <= index && !ended) await untilSettledOrAborted(pull(), signal);
    if (events.length <= index && failure !== undefined) throw failure.error;
    return events[index];
  };

  const collect = async (waitOptions: WaitOptions = {}): Promise<GatewayEvent[]> => {
    while (!ended) await untilSettledOrAborted(pull(), waitOptions.signal);
    if (failure !== undefined) throw failure.error;
    return [...events];
  };

  const describeSeen = (): string => {
    const seen = events.map((event) => (event.type === 'error' ? `error (${event.error})` : event.type));
    return seen.length === 0 ? 'no events' : seen.join(', ');
  };

  return {
    status: body === null ? 204 : 200,
    get runId() {
      return lastEventId === undefined ? undefined : runIdOf(lastEventId);
    },
    get lastEventId() {
      return lastEventId;
    },
    events,
    get terminal() {
      const last = events.at(-1);
      return last !== undefined && isTerminalEvent(last)
        ? (last as GatewayEventOf<'stream_complete' | 'error'>)
        : undefined;
    },
    async waitFor<Type extends GatewayEventType>(type: Type, waitOptions: WaitOptions = {}) {
      for (let index = position; ; index += 1) {
        const event = await eventAt(index, waitOptions.signal);
        if (event === undefined) {
          throw new Error(`the stream ended before a ${type} event (saw: ${describeSeen()})`);
        }
        if (event.type === type) {
          position = index + 1;
          return event as GatewayEventOf<Type>;
        }
      }
    },
    collect,
    async text(waitOptions: WaitOptions = {}) {
      let text = '';
      for (const event of await collect(waitOptions)) {
        if (event.type === 'stream_retry') text = '';
        else if (event.type === 'text_delta') text += event.text;
      }
      return text;
    },
    async close() {
      if (frames === undefined) return;
      closing.abort('test client closed the stream');
      // A stream nobody started reading has no reader to cancel through the signal.
      if (body !== null && !body.locked) await body.cancel().catch(() => undefined);
      await pulling;
      ended = true;
      await frames.return(undefined);
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const event = await eventAt(position, undefined);
        if (event === undefined) return;
        position += 1;
        yield event;
      }
    },
  };
}
