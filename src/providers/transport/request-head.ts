const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node accepts in a header value (it writes headers as latin1). */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Any byte past ASCII: the head is then written as latin1, apart from the body. */
const NON_ASCII = /[^\t\r\n\x20-\x7e]/;
/** Methods whose request without a body carries no `Content-Length` (as Node sends them). */
const NO_LENGTH_WITHOUT_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/** The fixed part of a request to one URL with one header record, built once. */
export interface RequestHead {
  readonly href: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Request line and header fields, up to (not including) `Content-Length` and the blank line. */
  readonly text: string;
  /** Whether `text` is plain ASCII, so that it may be written as UTF-8 along with the body. */
  readonly ascii: boolean;
  /** Whether a request without a body still says `Content-Length: 0`. */
  readonly lengthWithoutBody: boolean;
  /** Whether the answer has no body whatever its headers say (a HEAD request). */
  readonly bodyless: boolean;
}

function invalid(code: string, message: string): TypeError {
  return Object.assign(new TypeError(message), { code });
}

/**
 * Builds the head of a request as `http.request` sends it: the request line with the URL's path
 * and query, the given header fields in order, then `Host` (the URL's host, unless given) and
 * `Connection: keep-alive` (unless given). `Content-Length` and `Transfer-Encoding` given are
 * dropped: the sender adds the body's length. Throws Node's `ERR_INVALID_HTTP_TOKEN` /
 * `ERR_INVALID_CHAR` for a header that could split the request.
 */
export function buildRequestHead(
  url: URL,
  method: string,
  headers: Readonly<Record<string, string>>,
): RequestHead {
  if (!TOKEN.test(method))
    throw invalid('ERR_INVALID_HTTP_TOKEN', `Method must be a valid HTTP token ["${method}"]`);
  let text = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  let host = false;
  let connection = false;
  for (const name of Object.keys(headers)) {
    const value = String(headers[name]);
    if (!TOKEN.test(name))
      throw invalid('ERR_INVALID_HTTP_TOKEN', `Header name must be a valid HTTP token ["${name}"]`);
    if (!VALUE.test(value))
      throw invalid('ERR_INVALID_CHAR', `Invalid character in header content ["${name}"]`);
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding') continue;
    if (lower === 'host') host = true;
    if (lower === 'connection') connection = true;
    text += `${name}: ${value}\r\n`;
  }
  if (!host) text += `Host: ${url.host}\r\n`;
  if (!connection) text += 'Connection: keep-alive\r\n';
  return {
    href: url.href,
    method,
    headers,
    text,
    ascii: !NON_ASCII.test(text),
    lengthWithoutBody: !NO_LENGTH_WITHOUT_BODY.has(method),
    bodyless: method === 'HEAD',
  };
}

/** The bytes of one request: its head, its `Content-Length`, its body, for a single write. */
export function requestBytes(head: RequestHead, body: string | Uint8Array | undefined): string | Buffer {
  if (body === undefined) {
    return head.lengthWithoutBody ? `${head.text}Content-Length: 0\r\n\r\n` : `${head.text}\r\n`;
  }
  if (typeof body === 'string') {
    const text = `${head.text}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    if (head.ascii) return text + body;
    return Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from(body, 'utf8')]);
  }
  const text = `${head.text}Content-Length: ${body.byteLength}\r\n\r\n`;
  return Buffer.concat([Buffer.from(text, 'latin1'), body]);
}
