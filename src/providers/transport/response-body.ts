/** What a `ResponseBody` delivers its body to, in order: text pieces, then `end` or one `error`. */
export interface BodySink {
  /** A piece of the body, UTF-8 decoded (never split inside a character). */
  data(chunk: string): void;
  /** The body is complete. */
  end(): void;
  /** The body failed: cut before its end (`ECONNRESET`), aborted, or malformed. */
  error(error: Error): void;
}

/**
 * A response whose head arrived and whose body is still on the connection: the narrow view
 * the lean readers use instead of Node's `IncomingMessage`. The body is delivered to one sink,
 * from `read` on; bytes that came before are kept and delivered first.
 */
export interface ResponseBody {
  readonly statusCode: number;
  readonly statusMessage: string;
  /** Header names and values as received, alternating (repeated fields kept in order). */
  readonly rawHeaders: readonly string[];
  /** Starts delivering the body to `sink` (once). */
  read(sink: BodySink): void;
  /** Stops reading from the network (backpressure) until `resume`. */
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  /**
   * Abandons a body not yet complete: its connection is closed, not reused, and the sink hears
   * nothing more. Does nothing once the body ended or failed. Idempotent.
   */
  destroy(): void;
}

/** Headers of a response as web `Headers` (repeated fields appended in order). */
export function headersOf(response: { readonly rawHeaders: readonly string[] }): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    headers.append(raw[index] ?? '', raw[index + 1] ?? '');
  }
  return headers;
}

/** Reads a whole (error) body as text; rejects with the body's error. */
export function readWholeText(body: ResponseBody): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    body.read({
      data: (chunk) => {
        text += chunk;
      },
      end: () => resolve(text),
      error: reject,
    });
  });
}
