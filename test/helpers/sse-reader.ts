import type { GatewayEvent } from '../../src/core/events.js';

/**
 * One parsed SSE frame: the sequence number and run of its `id:` (`<runId>:<seq>`; both absent
 * on heartbeats) and its JSON `data:`.
 */
export interface SseFrame {
  id: number | undefined;
  runId?: string | undefined;
  event: GatewayEvent;
}

/** Reads SSE frames from a response body one at a time, as a browser's EventSource would. */
export interface SseReader {
  /** The next frame, or undefined once the stream has ended. */
  next(): Promise<SseFrame | undefined>;
  /** Reads frames up to and including the first one `matches` accepts; throws if the stream ends first. */
  until(matches: (frame: SseFrame) => boolean): Promise<SseFrame[]>;
  /** Reads up to and including the first event of `type` and returns that event. */
  nextOfType<Type extends GatewayEvent['type']>(type: Type): Promise<Extract<GatewayEvent, { type: Type }>>;
  /** Reads every remaining frame until the server ends the stream. */
  rest(): Promise<SseFrame[]>;
  /** Every frame read so far, in order. */
  readonly frames: readonly SseFrame[];
  /** Stops reading and releases the body (the server sees the client go away). */
  cancel(): Promise<void>;
}

const isEventShaped = (value: unknown): value is GatewayEvent =>
  typeof value === 'object' && value !== null && typeof Reflect.get(value, 'type') === 'string';

/**
 * Parses one frame's text (`id:`/`data:` lines; several `data:` lines are joined with `\n`).
 * Comment lines and unknown fields are ignored, as the SSE specification requires.
 */
export function parseSseFrame(text: string): SseFrame | undefined {
  let id: number | undefined;
  let runId: string | undefined;
  const dataLines: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') {
      // The gateway sends `<runId>:<seq>`; `id` is the sequence number, `runId` the run.
      const separator = value.lastIndexOf(':');
      id = Number(separator === -1 ? value : value.slice(separator + 1));
      runId = separator === -1 ? undefined : value.slice(0, separator);
    }
    if (field === 'data') dataLines.push(value);
  }
  if (dataLines.length === 0) return undefined;
  const parsed: unknown = JSON.parse(dataLines.join('\n'));
  if (!isEventShaped(parsed)) throw new Error(`SSE data is not an event: ${dataLines.join('\n')}`);
  return { id, runId, event: parsed };
}

/** Wraps a streaming response's body in an `SseReader`. */
export function createSseReader(response: Response): SseReader {
  const body = response.body;
  if (body === null) throw new Error('the response has no body');
  const reader: ReadableStreamDefaultReader<Uint8Array> = (body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const frames: SseFrame[] = [];
  let buffered = '';
  let ended = false;

  const next = async (): Promise<SseFrame | undefined> => {
    for (;;) {
      const boundary = buffered.indexOf('\n\n');
      if (boundary !== -1) {
        const text = buffered.slice(0, boundary);
        buffered = buffered.slice(boundary + 2);
        const frame = parseSseFrame(text);
        if (frame === undefined) continue;
        frames.push(frame);
        return frame;
      }
      if (ended) return undefined;
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        buffered += decoder.decode().replaceAll('\r\n', '\n');
      } else {
        buffered += decoder.decode(value, { stream: true }).replaceAll('\r\n', '\n');
      }
    }
  };

  const until = async (matches: (frame: SseFrame) => boolean): Promise<SseFrame[]> => {
    const read: SseFrame[] = [];
    for (;;) {
      const frame = await next();
      if (frame === undefined) {
        const seen = read.map((item) => item.event.type).join(', ');
        throw new Error(`the stream ended before the expected frame (saw: ${seen})`);
      }
      read.push(frame);
      if (matches(frame)) return read;
    }
  };

  return {
    next,
    until,
    async nextOfType(type) {
      const read = await until((frame) => frame.event.type === type);
      const last = read[read.length - 1];
      if (last === undefined) throw new Error(`no ${type} event`);
      return last.event as Extract<GatewayEvent, { type: typeof type }>;
    },
    async rest() {
      const read: SseFrame[] = [];
      for (let frame = await next(); frame !== undefined; frame = await next()) read.push(frame);
      return read;
    },
    frames,
    async cancel() {
      ended = true;
      await reader.cancel().catch(() => undefined);
    },
  };
}

/** Reads a whole event stream and returns its frames. */
export async function readAllSseFrames(response: Response): Promise<SseFrame[]> {
  return createSseReader(response).rest();
}

/** The events of some frames, without heartbeats. */
export function eventsOf(frames: readonly SseFrame[]): GatewayEvent[] {
  return frames.map((frame) => frame.event).filter((event) => event.type !== 'heartbeat');
}

/** The events of one type, typed. */
export function eventsOfType<Type extends GatewayEvent['type']>(
  frames: readonly SseFrame[],
  type: Type,
): Array<Extract<GatewayEvent, { type: Type }>> {
  return frames
    .map((frame) => frame.event)
    .filter((event): event is Extract<GatewayEvent, { type: Type }> => event.type === type);
}

/** The concatenated text of every `text_delta`. */
export function textOf(frames: readonly SseFrame[]): string {
  return eventsOfType(frames, 'text_delta')
    .map((event) => event.text)
    .join('');
}

/** Reads an SSE response; a refused request fails with its status and body instead. */
export async function sseOf(response: Response): Promise<SseReader> {
  if (response.status !== 200) {
    throw new Error(`expected a stream, got ${response.status}: ${await response.text()}`);
  }
  return createSseReader(response);
}

/** Frames that carry a sequence number (heartbeats carry none). */
export function numbered(frames: readonly SseFrame[]): SseFrame[] {
  return frames.filter((frame) => frame.id !== undefined);
}
