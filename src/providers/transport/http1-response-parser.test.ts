import { describe, expect, it } from 'vitest';
import { Http1ResponseParser } from './http1-response-parser.js';
import type { ResponseHead } from './parse-response-head.js';

interface Parsed {
  head: ResponseHead | undefined;
  text: string;
  done: boolean;
}

/** Feeds `pieces` to a fresh parser and reports what it saw. */
const parse = (pieces: Buffer[], bodyless = false): Parsed => {
  const parsed: Parsed = { head: undefined, text: '', done: false };
  const parser = new Http1ResponseParser({
    head: (head) => (parsed.head = head),
    body: (text) => (parsed.text += text),
  });
  parser.reset(bodyless);
  for (const piece of pieces) parser.feed(piece);
  parsed.done = parser.done;
  return parsed;
};

/** The response split in two at every byte boundary. */
const splits = (wire: Buffer): Buffer[][] => {
  const out: Buffer[][] = [];
  for (let at = 0; at <= wire.length; at += 1) out.push([wire.subarray(0, at), wire.subarray(at)]);
  return out;
};

const byteByByte = (wire: Buffer): Buffer[] => [...wire].map((byte) => Buffer.from([byte]));

const BODY = 'event: x\ndata: {"text":"héllo → wörld 😀"}\n\n';

const chunkedWire = Buffer.concat([
  Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'),
  Buffer.from(`${Buffer.byteLength(BODY.slice(0, 20)).toString(16)};ext=1\r\n${BODY.slice(0, 20)}\r\n`),
  Buffer.from(`${Buffer.byteLength(BODY.slice(20)).toString(16).toUpperCase()}\r\n${BODY.slice(20)}\r\n`),
  Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'),
]);

const lengthWire = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\nX-A: 1\r\nx-a: 2\r\n\r\n${BODY}`,
);

describe('Http1ResponseParser', () => {
  it('parses a chunked body with extensions and trailers split at every byte boundary', () => {
    for (const pieces of [...splits(chunkedWire), byteByByte(chunkedWire)]) {
      const parsed = parse(pieces);
      expect(parsed.text).toBe(BODY);
      expect(parsed.done).toBe(true);
      expect(parsed.head?.statusCode).toBe(200);
      expect(parsed.head?.framing).toEqual({ kind: 'chunked' });
    }
  });

  it('parses a Content-Length body split at every byte boundary, keeping raw headers in order', () => {
    for (const pieces of [...splits(lengthWire), byteByByte(lengthWire)]) {
      const parsed = parse(pieces);
      expect(parsed.text).toBe(BODY);
      expect(parsed.done).toBe(true);
      expect(parsed.head?.rawHeaders).toEqual([
        'Content-Length',
        String(Buffer.byteLength(BODY)),
        'X-A',
        '1',
        'x-a',
        '2',
      ]);
      expect(parsed.head?.keepAlive).toBe(true);
    }
  });

  it('is not done before the last byte of either framing', () => {
    expect(parse([chunkedWire.subarray(0, -1)]).done).toBe(false);
    expect(parse([lengthWire.subarray(0, -1)]).done).toBe(false);
  });

  it('reads a body without length until the connection ends, and then only', () => {
    const parsed: string[] = [];
    const parser = new Http1ResponseParser({ head: () => undefined, body: (text) => parsed.push(text) });
    parser.reset(false);
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart one, '));
    parser.feed(Buffer.from('part two'));
    expect(parser.done).toBe(false);
    expect(parser.close()).toBe(true);
    expect(parsed.join('')).toBe('part one, part two');
  });

  it('skips an interim 100 Continue and has no body for 204, 304 and a HEAD request', () => {
    const interim = parse([Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n')]);
    expect(interim.head?.statusCode).toBe(204);
    expect(interim.done).toBe(true);
    expect(parse([Buffer.from('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n')]).done).toBe(true);
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n')], true).done).toBe(true);
  });

  it('takes the connection as closing after Connection: close, HTTP/1.0 and conflicting framings', () => {
    const keepAliveOf = (head: string): boolean | undefined =>
      parse([Buffer.from(`${head}\r\n\r\n`)]).head?.keepAlive;
    expect(keepAliveOf('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: Close')).toBe(false);
    expect(keepAliveOf('HTTP/1.0 200 OK\r\nContent-Length: 0')).toBe(false);
    expect(keepAliveOf('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked')).toBe(false);
    expect(
      parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nKeep-Alive: timeout=5\r\n\r\n')]).head
        ?.keepAliveTimeoutMs,
    ).toBe(5000);
  });

  it('trims header values as String.prototype.trim does and keeps names as received', () => {
    const head = 'HTTP/1.1 200 OK\r\nX-A:\t \u00a0one two\u000b \r\nX-B:\r\nx-c:   3\r\nContent-Length: 0';
    const parsed = parse([Buffer.from(`${head}\r\n\r\n`, 'latin1')]);
    expect(parsed.head?.rawHeaders).toEqual(['X-A', 'one two', 'X-B', '', 'x-c', '3', 'Content-Length', '0']);
    expect(parsed.done).toBe(true);
  });

  it('decodes a body whose characters are split across reads, then reads ending on ASCII', () => {
    const body = 'é→😀\nplain\nwörld\n';
    const bytes = Buffer.from(body);
    const wire = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${bytes.length}\r\n\r\n`),
      bytes,
    ]);
    for (const pieces of [...splits(wire), byteByByte(wire)]) expect(parse(pieces).text).toBe(body);
  });

  it.each([
    ['a malformed status line', 'HTTP/1.1 2xx OK\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['not HTTP at all', 'SSH-2.0-OpenSSH\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a header without a name', 'HTTP/1.1 200 OK\r\n: value\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nA: 1\r\n  continued\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    [
      'a non-numeric Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n',
      'HPE_INVALID_CONTENT_LENGTH',
    ],
    [
      'conflicting Content-Lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'HPE_INVALID_CONTENT_LENGTH',
    ],
    [
      'a bad chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    [
      'chunk data overrunning its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    ['bytes after the end', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab', 'HPE_INVALID_CONSTANT'],
    ['a 101 upgrade', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', 'HPE_INVALID_STATUS'],
  ])('throws a clear error with a stable code for %s', (_name, wire, code) => {
    expect(() => parse([Buffer.from(wire)])).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a head longer than 16 KiB instead of buffering it', () => {
    const long = Buffer.from(`HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(17 * 1024)}`);
    expect(() => parse([long])).toThrow(expect.objectContaining({ code: 'HPE_HEADER_OVERFLOW' }));
  });
});
