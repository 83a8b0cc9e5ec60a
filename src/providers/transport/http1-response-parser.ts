import { StringDecoder } from 'node:string_decoder';
import { parseResponseHead, type ResponseHead } from './parse-response-head.js';
import { malformedResponseError } from './transport-errors.js';

/** What the parser reports, in order: the head, then body text (one call per `feed` at most). */
export interface ResponseParserEvents {
  head(head: ResponseHead): void;
  body(text: string): void;
}

/** Node's default `maxHeaderSize`: a longer head is an error, not a buffer that grows. */
const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size or trailer line longer than this is malformed. */
const MAX_LINE_CHARS = 4 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const HEX = /^[0-9a-fA-F]{1,13}$/;
const LF = 10;

// The parser's states: the head; a Content-Length body; a chunked body's size line, data, line
// end after data, and trailers; a body until the connection ends; done; and idle (not parsing:
// before `reset`, or abandoned).
const [HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, UNTIL_CLOSE, DONE, IDLE] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8,
] as const;

const badChunk = (detail: string): Error => malformedResponseError('HPE_INVALID_CHUNK_SIZE', detail);

/**
 * A hand-written HTTP/1.1 response parser for one connection, fed the bytes as they arrive
 * (split anywhere): the status line and headers, then a body delimited by `Content-Length`, by
 * chunked transfer-coding (extensions and trailers skipped), or by the connection's end. Body
 * bytes are UTF-8 decoded across reads. `1xx` interim answers are skipped. A malformed response
 * throws an error with an `HPE_*` code; so do bytes after the response's end.
 */
export class Http1ResponseParser {
  readonly #events: ResponseParserEvents;
  readonly #decoder = new StringDecoder('utf8');
  /** Whether the decoder may hold the first bytes of a character split across reads. */
  #carrying = false;
  #state: number = IDLE;
  #bodyless = false;
  #headBytes: Buffer | undefined;
  #remaining = 0;
  #line = '';
  #text = '';

  constructor(events: ResponseParserEvents) {
    this.#events = events;
  }

  /** Whether the response is complete (its body ended). */
  get done(): boolean {
    return this.#state === DONE;
  }

  /** Whether a head is still awaited (nothing of the response parsed yet, or part of its head). */
  get awaitingHead(): boolean {
    return this.#state === HEAD;
  }

  /** Expects a new response; `bodyless` for the answer to a HEAD request. */
  reset(bodyless: boolean): void {
    this.#state = HEAD;
    this.#bodyless = bodyless;
    this.#headBytes = undefined;
    this.#line = '';
    this.#text = '';
  }

  /** Stops parsing: whatever `feed` is doing returns at once. */
  abandon(): void {
    this.#state = IDLE;
    this.#carrying = false;
    this.#decoder.end();
  }

  /**
   * The connection ended: true when that completes the response (a body delimited by the
   * connection's end; its last text is reported), false when the response was cut.
   */
  close(): boolean {
    if (this.#state !== UNTIL_CLOSE) return this.#state === DONE;
    this.#complete();
    return true;
  }

  /** Parses the bytes of one read. */
  feed(chunk: Buffer): void {
    let offset = 0;
    const length = chunk.length;
    while (offset < length) {
      switch (this.#state) {
        case HEAD:
          offset = this.#feedHead(chunk, offset);
          break;
        case LENGTH:
        case CHUNK_DATA: {
          const end = Math.min(length, offset + this.#remaining);
          this.#text += this.#decode(chunk, offset, end);
          this.#remaining -= end - offset;
          offset = end;
          if (this.#remaining > 0) break;
          if (this.#state === LENGTH) this.#complete();
          else this.#state = CHUNK_DATA_END;
          break;
        }
        case UNTIL_CLOSE:
          this.#text += this.#decode(chunk, offset, length);
          offset = length;
          break;
        case CHUNK_SIZE:
        case CHUNK_DATA_END:
        case TRAILERS:
          offset = this.#feedLine(chunk, offset);
          break;
        case DONE:
          throw malformedResponseError('HPE_INVALID_CONSTANT', 'bytes after the end of the response');
        default:
          return;
      }
    }
    this.#flush();
  }

  /**
   * The text of body bytes `chunk[start, end)`, `end > start`. Bytes that end on a character's
   * end (an ASCII byte, as an event stream's reads do) with nothing carried from the read before
   * are decoded at once; others go through the decoder, which keeps a character split across reads.
   */
  #decode(chunk: Buffer, start: number, end: number): string {
    const last = chunk[end - 1] as number;
    if (!this.#carrying && last < 0x80) return chunk.toString('utf8', start, end);
    this.#carrying = last >= 0x80;
    return this.#decoder.write(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
  }

  #flush(): void {
    if (this.#text === '') return;
    const text = this.#text;
    this.#text = '';
    this.#events.body(text);
  }

  #complete(): void {
    this.#state = DONE;
    this.#carrying = false;
    this.#text += this.#decoder.end();
    this.#flush();
  }

  #feedHead(chunk: Buffer, offset: number): number {
    const carried = this.#headBytes;
    const rest = offset === 0 ? chunk : chunk.subarray(offset);
    const bytes = carried === undefined ? rest : Buffer.concat([carried, rest]);
    const end = bytes.indexOf(HEAD_END);
    if (end === -1 || end > MAX_HEAD_BYTES) {
      if (bytes.length > MAX_HEAD_BYTES) {
        throw malformedResponseError('HPE_HEADER_OVERFLOW', `head longer than ${MAX_HEAD_BYTES} bytes`);
      }
      this.#headBytes = bytes;
      return chunk.length;
    }
    this.#headBytes = undefined;
    const next = offset + end + HEAD_END.length - (carried?.length ?? 0);
    const head = parseResponseHead(bytes.toString('latin1', 0, end), this.#bodyless);
    if (head.statusCode < 200) {
      if (head.statusCode === 101) {
        throw malformedResponseError('HPE_INVALID_STATUS', 'unexpected 101 Switching Protocols');
      }
      return next; // an interim answer: the final one follows
    }
    const framing = head.framing;
    if (framing.kind === 'chunked') this.#state = CHUNK_SIZE;
    else if (framing.kind === 'close') this.#state = UNTIL_CLOSE;
    else if (framing.length > 0) {
      this.#state = LENGTH;
      this.#remaining = framing.length;
    } else this.#state = DONE;
    this.#events.head(head);
    return next;
  }

  /** Reads one line of the chunked framing (size, the CRLF after data, a trailer). */
  #feedLine(chunk: Buffer, offset: number): number {
    const lf = chunk.indexOf(LF, offset);
    const end = lf === -1 ? chunk.length : lf;
    this.#line += chunk.toString('latin1', offset, end);
    if (this.#line.length > MAX_LINE_CHARS) throw badChunk('chunk framing line too long');
    if (lf === -1) return end;
    let line = this.#line;
    this.#line = '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.#state === CHUNK_DATA_END) {
      if (line !== '') throw badChunk('no line end after chunk data');
      this.#state = CHUNK_SIZE;
    } else if (this.#state === TRAILERS) {
      if (line === '') this.#complete();
    } else {
      const semicolon = line.indexOf(';');
      const digits = (semicolon === -1 ? line : line.slice(0, semicolon)).trim();
      if (!HEX.test(digits)) throw badChunk(`bad chunk size "${line.slice(0, 40)}"`);
      this.#remaining = Number.parseInt(digits, 16);
      this.#state = this.#remaining === 0 ? TRAILERS : CHUNK_DATA;
    }
    return lf + 1;
  }
}
