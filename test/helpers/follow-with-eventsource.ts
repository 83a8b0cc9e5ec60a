import { EventSource } from 'eventsource';
import type { GatewayEvent } from '../../src/core/events.js';

/** What an `EventSource` follower received. */
export interface FollowedStream {
  /** Every event, as `[id, event]`, in arrival order. */
  received: Array<{ id: string; event: GatewayEvent }>;
  /** Number of connections the EventSource opened (1 + reconnects). */
  connections: number;
}

/** Options of `followWithEventSource`. */
export interface FollowOptions {
  url: string;
  token: string;
  /** Cut the connection (as a network drop would) after this many frames, on these connections. */
  cutAfterFrames?: number;
  cutConnections?: number;
  /** Called for each event (e.g. to answer an approval). */
  onEvent?: (event: GatewayEvent, id: string) => void | Promise<void>;
}

/**
 * Follows a run with the `eventsource` package — a browser-style client that reconnects by
 * itself with `Last-Event-ID` — until the terminal event. `cutAfterFrames` makes the first
 * `cutConnections` connections fail mid-stream, exactly as a dropped network connection does
 * for the client: the body errors and the socket is closed.
 */
export function followWithEventSource(options: FollowOptions): Promise<FollowedStream> {
  const received: FollowedStream['received'] = [];
  let connections = 0;
  const cutConnections = options.cutConnections ?? 1;
  const cuttingFetch: typeof fetch = async (input, init) => {
    connections += 1;
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${options.token}`);
    const response = await fetch(input, { ...init, headers });
    if (options.cutAfterFrames === undefined || connections > cutConnections || response.body === null) {
      return response;
    }
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
    let frames = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
        frames += new TextDecoder().decode(value).split('\n\n').length - 1;
        if (frames >= (options.cutAfterFrames ?? 0)) {
          await reader.cancel();
          controller.error(new TypeError('network connection lost'));
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };

  return new Promise((resolve, reject) => {
    const source = new EventSource(options.url, { fetch: cuttingFetch });
    source.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as GatewayEvent;
      if (event.type === 'heartbeat') return;
      received.push({ id: message.lastEventId, event });
      Promise.resolve(options.onEvent?.(event, message.lastEventId)).catch(reject);
      if (event.type === 'stream_complete' || event.type === 'error') {
        source.close();
        resolve({ received, connections });
      }
    };
  });
}
