import { connect, type Socket } from 'node:net';

/**
 * The load client of the verdict bench, made to cost less than what it measures: one raw TCP
 * connection per client, kept alive, a chat's request written as one buffer, and its answer not
 * decoded. It reads only the status line and headers, then looks at the last bytes of each
 * chunk for the end of a chunked body (`\r\n0\r\n\r\n`; an SSE body's own chunks end in
 * `\n\n\r\n`, so no data chunk can look like it; an empty chunked body is `0\r\n\r\n` alone) or
 * counts to `content-length`. Only a chat that times its first token (`firstTokenMarker`) searches
 * the text, and only until it is found.
 *
 * An answer that says `connection: close` is the last its connection carries: the next chat goes
 * out on a new one. The gateway says so on the last answer of a socket (`maxRequestsPerSocket`,
 * 1,000 by default) and while it shuts down; Node answers a request sent on after that with an
 * empty 503 and closes the socket, which a client that kept the connection would take for a
 * lane that failed.
 */

/** A chat server as the lean client sees it. */
export interface LeanTarget {
  name: string;
  /** `http://127.0.0.1:<port>/path` */
  url: string;
  /** The JSON request body of a chat saying `text`. */
  body(text: string): string;
  /** Text that a completed answer holds near its end (undefined: any 200 answer counts). */
  endMarker?: string;
  /** Text of the first text delta in the answer. */
  firstTokenMarker: string;
}

/** What one chat saw. */
export interface LeanAnswer {
  status: number;
  /** Request written to first token, ms (only when asked for). */
  firstTokenMs?: number;
}

/** How many bytes of an answer's end are kept to check its end marker. */
const TAIL_BYTES = 512;
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n', 'latin1');
/** A chunked body with no data chunk (Node's answer to `res.writeHead(status); res.end()`). */
const EMPTY_CHUNKED_BODY = Buffer.from('0\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);

interface Pending {
  resolve(answer: LeanAnswer): void;
  reject(error: Error): void;
  startedAt: number;
  timeFirstToken: boolean;
  request: Buffer;
  /** Whether it was sent again already (once, after a connection closed before any answer). */
  resent: boolean;
}

/** One kept-alive connection that carries one chat at a time. */
export interface LeanConnection {
  chat(text: string, options?: { timeFirstToken?: boolean }): Promise<LeanAnswer>;
  close(): void;
  /** Chats sent again after the server had closed the idle connection. */
  readonly resent: number;
}

/** Opens (lazily) a connection to `target` whose chats carry `headers`. */
export function createLeanConnection(target: LeanTarget, headers: Record<string, string>): LeanConnection {
  const url = new URL(target.url);
  const head =
    `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
  let socket: Socket | undefined;
  let pending: Pending | undefined;
  let resent = 0;
  // The answer being read.
  let headerText = '';
  let inBody = false;
  let chunked = false;
  let remaining = 0;
  let status = 0;
  let tail: Buffer = EMPTY;
  /** Bytes of the body read so far (a chunked body of `EMPTY_CHUNKED_BODY`'s length may be it). */
  let bodyBytes = 0;
  /** The answer said `connection: close`: its connection carries no other chat. */
  let lastOnConnection = false;
  let firstTokenMs: number | undefined;

  const reset = (): void => {
    headerText = '';
    inBody = false;
    chunked = false;
    remaining = 0;
    status = 0;
    tail = EMPTY;
    bodyBytes = 0;
    lastOnConnection = false;
    firstTokenMs = undefined;
  };

  const finish = (): void => {
    const done = pending;
    pending = undefined;
    if (done === undefined) return;
    if (lastOnConnection) {
      // Dropped before the next chat can be written to it: that one opens a new connection.
      socket?.destroy();
      socket = undefined;
    }
    if (status === 200 && target.endMarker !== undefined && !tail.includes(target.endMarker)) {
      done.reject(
        new Error(`${target.name}: an answer ended without ${target.endMarker}: …${tail.toString('latin1')}`),
      );
    } else done.resolve(firstTokenMs === undefined ? { status } : { status, firstTokenMs });
    reset();
  };

  const onBody = (data: Buffer): void => {
    const waiting = pending;
    if (
      waiting?.timeFirstToken === true &&
      firstTokenMs === undefined &&
      data.includes(target.firstTokenMarker)
    )
      firstTokenMs = performance.now() - waiting.startedAt;
    // The last bytes only: a chunk's own end, or the previous chunk's with it.
    tail =
      data.length >= TAIL_BYTES
        ? data.subarray(data.length - TAIL_BYTES)
        : Buffer.concat([tail, data]).subarray(-TAIL_BYTES);
    bodyBytes += data.length;
    if (chunked) {
      if (
        (tail.length >= CHUNKED_END.length && tail.subarray(-CHUNKED_END.length).equals(CHUNKED_END)) ||
        (bodyBytes === EMPTY_CHUNKED_BODY.length && tail.equals(EMPTY_CHUNKED_BODY))
      )
        finish();
    } else {
      remaining -= data.length;
      if (remaining <= 0) finish();
    }
  };

  const onData = (data: Buffer): void => {
    if (pending === undefined) return;
    if (inBody) return onBody(data);
    headerText += data.toString('latin1');
    const end = headerText.indexOf('\r\n\r\n');
    if (end === -1) return;
    const lines = headerText.slice(0, end).toLowerCase().split('\r\n');
    status = Number(lines[0]?.split(' ')[1] ?? 0);
    chunked = lines.some((line) => line.startsWith('transfer-encoding:') && line.includes('chunked'));
    lastOnConnection = lines.some((line) => line.startsWith('connection:') && line.includes('close'));
    const length = lines.find((line) => line.startsWith('content-length:'));
    remaining = length === undefined ? 0 : Number(length.slice(15).trim());
    inBody = true;
    const rest = Buffer.from(headerText.slice(end + 4), 'latin1');
    if (rest.length > 0 || (!chunked && remaining === 0)) onBody(rest);
  };

  const open = (): Socket => {
    const opened = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    opened.on('data', onData);
    opened.on('error', () => {});
    opened.on('close', () => {
      // A connection dropped after its last answer (`connection: close`): the chat under way, if
      // any, is on another one.
      if (socket !== opened) return;
      socket = undefined;
      const waiting = pending;
      if (waiting === undefined) return;
      if (headerText === '' && !waiting.resent) {
        // The server closed the idle connection as the chat went out: once more on a new one.
        waiting.resent = true;
        resent += 1;
        reset();
        waiting.startedAt = performance.now();
        (socket = open()).write(waiting.request);
        return;
      }
      const seen = `status ${status}, ${chunked ? 'chunked' : `${remaining} bytes to come`}, ends …${tail.toString('latin1').slice(-120)}`;
      pending = undefined;
      reset();
      waiting.reject(new Error(`${target.name}: the connection closed mid-answer (${seen})`));
    });
    return opened;
  };

  return {
    chat(text, options = {}) {
      if (pending !== undefined) return Promise.reject(new Error('one chat at a time per connection'));
      const body = Buffer.from(target.body(text), 'utf8');
      const request = Buffer.concat([Buffer.from(`${head}content-length: ${body.length}\r\n\r\n`), body]);
      return new Promise<LeanAnswer>((resolve, reject) => {
        pending = {
          resolve,
          reject,
          request,
          startedAt: performance.now(),
          timeFirstToken: options.timeFirstToken === true,
          resent: false,
        };
        (socket ??= open()).write(request);
      });
    },
    close() {
      socket?.destroy();
      socket = undefined;
    },
    get resent() {
      return resent;
    },
  };
}
