import { malformedResponseError } from './transport-errors.js';

/** How a response's body is delimited on the connection. */
export type BodyFraming =
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' };

/** A parsed response head (status line and header fields). */
export interface ResponseHead {
  readonly statusCode: number;
  readonly statusMessage: string;
  /** Names and values as received, alternating. */
  readonly rawHeaders: string[];
  readonly framing: BodyFraming;
  /** Whether the connection may carry another request once this body is complete. */
  readonly keepAlive: boolean;
  /** The server's `Keep-Alive: timeout=N`, in ms, if it sent one. */
  readonly keepAliveTimeoutMs: number | undefined;
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: ([^\0]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;
const DIGITS = /^[0-9]+$/;
const KEEP_ALIVE_TIMEOUT = /(?:^|[\s,;])timeout\s*=\s*([0-9]+)/i;
const EMPTY_BODY: BodyFraming = { kind: 'length', length: 0 };
const CHUNKED: BodyFraming = { kind: 'chunked' };
const UNTIL_CLOSE: BodyFraming = { kind: 'close' };

/** Where the line from `start` ends: its `\r\n`, or the end of the text. */
const lineEndOf = (text: string, start: number): number => {
  const end = text.indexOf('\r\n', start);
  return end === -1 ? text.length : end;
};

/** Whether a (latin1) character is one `String.prototype.trim` removes. */
const isTrimmed = (code: number): boolean => (code >= 0x09 && code <= 0x0d) || code === 0x20 || code === 0xa0;

/** `text.slice(start, end).trim()` of a latin1 text, cut once. */
function trimmedSlice(text: string, start: number, end: number): string {
  while (start < end && isTrimmed(text.charCodeAt(start))) start += 1;
  while (end > start && isTrimmed(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(start, end);
}

const hasToken = (list: string, token: string): boolean =>
  list
    .toLowerCase()
    .split(',')
    .some((item) => item.trim() === token);

/** The one length all `Content-Length` values agree on (a repeated field may repeat it). */
function contentLengthOf(values: string[]): number {
  let length: number | undefined;
  for (const value of values) {
    for (const item of value.split(',')) {
      const text = item.trim();
      const parsed = DIGITS.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(parsed) || (length !== undefined && parsed !== length)) {
        throw malformedResponseError('HPE_INVALID_CONTENT_LENGTH', `bad content-length "${value}"`);
      }
      length = parsed;
    }
  }
  return length ?? 0;
}

/**
 * Parses a response head (its text up to, without, the blank line) as RFC 9112 reads it:
 * the body is chunked when `Transfer-Encoding` ends with `chunked` (any other coding: until the
 * connection closes), else `Content-Length` long, else until the connection closes; a response
 * to HEAD, a 204 and a 304 have none. Throws an error with an `HPE_*` code for a malformed head.
 */
export function parseResponseHead(text: string, bodyless: boolean): ResponseHead {
  const statusEnd = lineEndOf(text, 0);
  const statusLine = text.slice(0, statusEnd);
  const status = STATUS_LINE.exec(statusLine);
  if (status === null) {
    throw malformedResponseError('HPE_INVALID_STATUS', `bad status line "${statusLine.slice(0, 80)}"`);
  }
  const http11 = status[1] === '1';
  const statusCode = Number(status[2]);
  const rawHeaders: string[] = [];
  let connection = '';
  let transferEncoding: string | undefined;
  let contentLengths: string[] | undefined;
  let keepAliveTimeoutMs: number | undefined;
  // Each line after the status line, as `split('\r\n')` cuts them, read in place.
  for (let start = statusEnd + 2; start <= text.length;) {
    const end = lineEndOf(text, start);
    const found = text.indexOf(':', start);
    const colon = found === -1 || found >= end ? -1 : found;
    const name = colon > start ? text.slice(start, colon) : '';
    const value = trimmedSlice(text, colon === -1 ? start : colon + 1, end);
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) {
      const line = text.slice(start, end);
      throw malformedResponseError('HPE_INVALID_HEADER_TOKEN', `bad header line "${line.slice(0, 80)}"`);
    }
    rawHeaders.push(name, value);
    switch (name.length) {
      case 10: {
        const lower = name.toLowerCase();
        if (lower === 'connection') connection += `${value},`;
        else if (lower === 'keep-alive') {
          const timeout = KEEP_ALIVE_TIMEOUT.exec(value);
          if (timeout !== null) keepAliveTimeoutMs = Number(timeout[1]) * 1000;
        }
        break;
      }
      case 14:
        if (name.toLowerCase() === 'content-length') (contentLengths ??= []).push(value);
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') {
          transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
        }
        break;
    }
    start = end + 2;
  }
  let framing: BodyFraming;
  if (bodyless || statusCode === 204 || statusCode === 304 || statusCode < 200) framing = EMPTY_BODY;
  else if (transferEncoding !== undefined) {
    const codings = transferEncoding.toLowerCase().split(',');
    framing = codings[codings.length - 1]?.trim() === 'chunked' ? CHUNKED : UNTIL_CLOSE;
  } else if (contentLengths !== undefined)
    framing = { kind: 'length', length: contentLengthOf(contentLengths) };
  else framing = UNTIL_CLOSE;
  const keepAlive =
    framing.kind !== 'close' &&
    // A message with both framings is a smuggling risk: answered, then the connection is dropped.
    !(transferEncoding !== undefined && contentLengths !== undefined) &&
    (http11 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive'));
  return {
    statusCode,
    statusMessage: status[3] ?? '',
    rawHeaders,
    framing,
    keepAlive,
    keepAliveTimeoutMs,
  };
}
