import { z } from 'zod';
import { objectOf, parseOptions, positiveInteger } from '../../core/parse-options.js';
import { findTooDeepField } from './find-too-deep-field.js';
import { HttpError } from '../../core/http-error.js';
import { serverDefaults } from '../contracts/server-spec.js';
import { nodeRequestOf } from '../connections/connection-of-request.js';
import { isUnreadNodeBody, readNodeBody, takeArrivedNodeBody } from './read-node-body.js';

const readJsonBodyOptionsSchema = z.strictObject({
  /** Largest accepted body in bytes (`server.maxBodyBytes`). */
  maxBytes: positiveInteger().default(serverDefaults.maxBodyBytes),
  /** Stops reading (and rejects with the signal's reason) when aborted. */
  signal: objectOf<AbortSignal>('an AbortSignal').optional(),
  /**
   * Deepest accepted nesting, objects and arrays and the body itself included
   * (`server.maxJsonDepth`). Deeper bodies are refused with a 422 naming the top-level field:
   * code that walks JSON recursively (serialisers, cloning, validators) would otherwise overflow
   * the stack on a body well within the byte limit.
   */
  maxDepth: positiveInteger().default(serverDefaults.maxJsonDepth),
});

/** Options of `readJsonBody`. */
export type ReadJsonBodyOptions = z.input<typeof readJsonBodyOptionsSchema>;

function tooLarge(maxBytes: number): HttpError {
  return HttpError.detail(413, `Request body too large (limit ${maxBytes} bytes)`);
}

function malformed(reason: string, cause?: unknown): HttpError {
  return HttpError.detail(400, `Malformed JSON body: ${reason}`, { cause });
}

async function readLimitedBytes(
  request: Request,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const body = request.body;
  if (body === null) return new Uint8Array(0);
  const reader: ReadableStreamDefaultReader<unknown> = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const onAbort = (): void => {
    reader.cancel(signal?.reason).catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      // Request bodies are byte streams; the DOM-less typings just do not say so.
      if (!(value instanceof Uint8Array)) throw malformed('body is not a byte stream');
      total += value.byteLength;
      if (total > maxBytes) {
        // Stop pulling: the rest of an oversized body is never buffered.
        await reader.cancel('request body too large').catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
    signal?.throwIfAborted();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
function raceSignal<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * Reads a body whose `Content-Length` is within the limit in one call. Over HTTP/1.1 Node's
 * parser ends the body at the declared length, so the header bounds what is buffered; the length
 * is still checked afterwards (an in-process `Request` may carry any header). On
 * `@hono/node-server` this reads straight from the socket, without the web-stream adapters that
 * the chunk-by-chunk path needs (a few percent of the CPU of a short chat, in the profile).
 */
async function readDeclaredBytes(
  request: Request,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const buffer = await raceSignal(request.arrayBuffer(), signal);
  if (buffer.byteLength > maxBytes) throw tooLarge(maxBytes);
  return new Uint8Array(buffer);
}

/**
 * `readDeclaredBytes`, straight from the Node request when `listen()` serves it: the bytes
 * themselves when all of them have arrived already (a small body sent with its head), so that
 * the common chat costs no promise here.
 */
function readDeclaredBytesOf(
  request: Request,
  maxBytes: number,
  signal?: AbortSignal,
): Uint8Array | Promise<Uint8Array> {
  const incoming = nodeRequestOf(request);
  if (incoming === undefined || !isUnreadNodeBody(incoming))
    return readDeclaredBytes(request, maxBytes, signal);
  const arrived = signal?.aborted === true ? undefined : takeArrivedNodeBody(incoming);
  if (arrived !== undefined) return withinLimit(arrived, maxBytes);
  // The request's own signal aborts only when its connection closes, which the Node request
  // reports itself (`close`, `error`): listening to the signal too would cost an event-target
  // listener on every chat whose body comes after its head. Another signal is listened to.
  const untold = signal === request.signal ? undefined : signal;
  return readNodeBody(incoming, untold).then((bytes) => withinLimit(bytes, maxBytes));
}

/** `bytes`, or the 413 when there are more than `maxBytes` of them. */
function withinLimit(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads one request's body as JSON (`createJsonBodyReader`'s). */
export type JsonBodyReader = (request: Request, signal?: AbortSignal) => Promise<unknown>;

/**
 * The reader of `readJsonBody` with its options checked once, for a route that reads every
 * request's body with the same limits (checking them per request was a measurable cost of a
 * chat). Same behaviour as `readJsonBody`.
 */
export function createJsonBodyReader(given: Omit<ReadJsonBodyOptions, 'signal'> = {}): JsonBodyReader {
  const { maxBytes, maxDepth } = parseOptions(readJsonBodyOptionsSchema, given, 'createJsonBodyReader');
  return (request, signal) => readJsonBodyWith(request, maxBytes, maxDepth, signal);
}

/**
 * Reads a request body as JSON without ever buffering more than `maxBytes`. A `Content-Length`
 * above the limit is refused before reading; one within it is read in one call (HTTP framing
 * ends the body there) and the real length is checked too. A body without the header is counted
 * as it arrives and reading stops at the limit (413 `{detail}`). An empty body,
 * invalid UTF-8 or invalid JSON is a 400 `{detail: "Malformed JSON body: …"}`. The result is
 * `unknown`: narrow it with `parseBody`. A value nested deeper than `maxDepth` is a 422.
 */
export async function readJsonBody(request: Request, given: ReadJsonBodyOptions = {}): Promise<unknown> {
  const { maxBytes, maxDepth, signal } = parseOptions(readJsonBodyOptionsSchema, given, 'readJsonBody');
  return readJsonBodyWith(request, maxBytes, maxDepth, signal);
}

/**
 * `readJsonBody` with its options checked. Not `async`: a body that has arrived whole is parsed
 * at once, and a pending one when it arrives, without an async frame of its own (this runs on
 * every chat). Every failure is a rejection, as from an `async` function.
 */
function readJsonBodyWith(
  request: Request,
  maxBytes: number,
  maxDepth: number,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  try {
    const declaredHeader = request.headers.get('content-length')?.trim();
    const declaredLength =
      declaredHeader !== undefined && /^\d+$/.test(declaredHeader) ? Number(declaredHeader) : undefined;
    if (declaredLength !== undefined && declaredLength > maxBytes) throw tooLarge(maxBytes);
    const bytes =
      declaredLength === undefined
        ? readLimitedBytes(request, maxBytes, signal)
        : readDeclaredBytesOf(request, maxBytes, signal);
    if (bytes instanceof Uint8Array) return Promise.resolve(parseJsonBytes(bytes, maxDepth));
    return bytes.then((arrived) => parseJsonBytes(arrived, maxDepth));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** The JSON value of a body's bytes: 400 for invalid UTF-8 or JSON, 422 nested too deep. */
function parseJsonBytes(bytes: Uint8Array, maxDepth: number): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw malformed('body is not valid UTF-8', error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    // Only a body that is not JSON can be blank: the check costs nothing on a valid one.
    if (text.trim() === '') throw malformed('body is empty');
    throw malformed(error instanceof Error ? error.message : String(error), error);
  }
  const tooDeep = findTooDeepField(value, maxDepth);
  if (tooDeep !== undefined) {
    throw new HttpError(422, {
      detail: [
        {
          loc: ['body', ...tooDeep],
          msg: `JSON nested deeper than ${maxDepth} levels`,
          type: 'json_too_deep',
        },
      ],
    });
  }
  return value;
}
