import { createLinkedAbortController } from '../../agent/linked-abort-controller.js';

/** Options of `postJson`. */
export interface PostJsonOptions {
  url: string;
  body: unknown;
  headers?: Record<string, string> | undefined;
  /** Gives up after this many milliseconds. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Names the request in error messages (never the URL, which may hold a bot token). */
  description: string;
}

/** How much of an error response body ends up in the error message. */
const BODY_EXCERPT_LENGTH = 200;

/**
 * POSTs a JSON body and resolves once a 2xx response has been read; rejects on a non-2xx status
 * (with an excerpt of the body), a network failure, the timeout or `signal`. The timer is
 * cleared and the caller's signal unlinked whichever way it ends.
 */
export async function postJson(options: PostJsonOptions): Promise<void> {
  const controller = createLinkedAbortController(options.signal);
  const timer = setTimeout(
    () => controller.abort(new Error(`${options.description} timed out after ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(options.body),
      signal: controller.signal,
    });
    // Reading the body releases the connection whether or not the status is an error.
    const text = await response.text();
    if (!response.ok) {
      const excerpt = text.trim().slice(0, BODY_EXCERPT_LENGTH);
      throw new Error(
        `${options.description} answered HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`,
      );
    }
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason instanceof Error)
      throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    controller.dispose();
  }
}
