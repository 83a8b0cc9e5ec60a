import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { createLinkedAbortController } from './linked-abort-controller.js';
import { lookupFor, type OutboundAddressPolicy } from './outbound-address.js';

/** Options of `postJson`. */
export interface PostJsonOptions {
  url: string;
  body: unknown;
  headers?: Record<string, string> | undefined;
  /** Gives up after this many milliseconds. */
  timeoutMs: number;
  /** Gives up when no connection is made within this many milliseconds (default `timeoutMs`). */
  connectTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Names the request in error messages (never the URL, which may hold a bot token). */
  description: string;
  /** Values that must never appear in an error message (bot token…); header values are added. */
  secrets?: readonly string[];
  /**
   * For a URL a client chose: connect only to public addresses (unless the host is allowed),
   * to the very addresses that were checked. Left out, the URL is the operator's and any
   * address goes.
   */
  addressPolicy?: OutboundAddressPolicy | undefined;
}

/** How much of any answer is read; the rest is never read, the socket is dropped. */
export const MAX_ANSWER_BYTES = 4096;

/** How much of an error response body ends up in the error message. */
const BODY_EXCERPT_LENGTH = 200;

/** Credentials that look like one whatever they belong to: bearer tokens and Telegram bot tokens. */
const CREDENTIAL_PATTERNS = [/\bBearer\s+[^\s"',}]+/gi, /\b\d{5,}:[A-Za-z0-9_-]{20,}/g];

/** Replaces every secret (and anything shaped like a credential) in `text` with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= 4) redacted = redacted.split(secret).join('[redacted]');
  }
  for (const pattern of CREDENTIAL_PATTERNS) redacted = redacted.replace(pattern, '[redacted]');
  return redacted;
}

/** The status of an answer and at most `MAX_ANSWER_BYTES` of its body. */
interface Answer {
  status: number;
  head: string;
}

/**
 * Reads at most `MAX_ANSWER_BYTES` of `message`, then stops: the request is destroyed by the
 * caller, so that a receiver answering an endless or huge body costs a few KB, not its size.
 */
function readHead(message: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (): void => {
      message.off('data', onData);
      resolve({ status: message.statusCode ?? 0, head: Buffer.concat(chunks).toString('utf8') });
    };
    const onData = (chunk: Buffer): void => {
      const room = MAX_ANSWER_BYTES - length;
      chunks.push(chunk.subarray(0, room));
      length += Math.min(room, chunk.length);
      if (length >= MAX_ANSWER_BYTES) done();
    };
    message.on('data', onData);
    message.once('end', done);
    message.on('error', reject);
  });
}

/** Sends the request and resolves its answer's status and head; destroys the socket after. */
function exchange(
  url: URL,
  options: PostJsonOptions,
  signal: AbortSignal,
  onSocket: (socket: Socket) => void,
): Promise<Answer> {
  const lookup = options.addressPolicy === undefined ? undefined : lookupFor(url, options.addressPolicy);
  const body = JSON.stringify(options.body);
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        ...options.headers,
      },
      // A fresh connection each time, made with the checked lookup; nothing pooled to reuse.
      agent: false,
      signal,
      ...(lookup === undefined ? {} : { lookup }),
    });
    outgoing.once('socket', onSocket);
    outgoing.on('error', reject);
    outgoing.once('response', (message) => {
      readHead(message).then(
        (answer) => {
          resolve(answer);
          outgoing.destroy();
        },
        (error: unknown) => {
          reject(error instanceof Error ? error : new Error(String(error)));
          outgoing.destroy();
        },
      );
    });
    outgoing.end(body);
  });
}

/**
 * POSTs a JSON body and resolves once a 2xx status has been answered; rejects on a non-2xx
 * status (with an excerpt of the body, secrets redacted), a redirect (never followed), a
 * network failure, no connection within `connectTimeoutMs`, the timeout, `signal`, or (with
 * `addressPolicy`) a host that is not public. At most `MAX_ANSWER_BYTES` of the answer are
 * read, then the connection is dropped. Timers are cleared and the caller's signal unlinked
 * whichever way it ends.
 */
export async function postJson(options: PostJsonOptions): Promise<void> {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${options.description} needs an http: or https: URL`);
  }
  const controller = createLinkedAbortController(options.signal);
  const timer = setTimeout(
    () => controller.abort(new Error(`${options.description} timed out after ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  const connectTimeoutMs = options.connectTimeoutMs ?? options.timeoutMs;
  const connectTimer = setTimeout(
    () =>
      controller.abort(new Error(`${options.description} could not connect within ${connectTimeoutMs} ms`)),
    connectTimeoutMs,
  );
  const onSocket = (socket: Socket): void => {
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
  };
  try {
    const answer = await exchange(url, options, controller.signal, onSocket);
    if (answer.status >= 300 && answer.status < 400) {
      throw new Error(
        `${options.description} answered a redirect (HTTP ${answer.status}); redirects are not followed, so that credentials stay with the configured URL`,
      );
    }
    if (answer.status < 200 || answer.status >= 300) {
      const secrets = [...(options.secrets ?? []), ...Object.values(options.headers ?? {})];
      const excerpt = redactSecrets(answer.head.trim(), secrets).slice(0, BODY_EXCERPT_LENGTH);
      throw new Error(
        `${options.description} answered HTTP ${answer.status}${excerpt ? `: ${excerpt}` : ''}`,
      );
    }
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason instanceof Error)
      throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    clearTimeout(connectTimer);
    controller.dispose();
  }
}
