import { createLinkedAbortController } from './linked-abort-controller.js';

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
  /** Values that must never appear in an error message (bot token…); header values are added. */
  secrets?: readonly string[];
}

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

/**
 * POSTs a JSON body and resolves once a 2xx response has been read; rejects on a non-2xx status
 * (with an excerpt of the body, secrets redacted), a redirect (never followed), a network
 * failure, the timeout or `signal`. The timer is
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
      // A redirect would carry our headers (Authorization, keys) to wherever it points.
      redirect: 'manual',
    });
    // Reading the body releases the connection whether or not the status is an error.
    const text = await response.text();
    if (response.status >= 300 && response.status < 400) {
      throw new Error(
        `${options.description} answered a redirect (HTTP ${response.status}); redirects are not followed, so that credentials stay with the configured URL`,
      );
    }
    if (!response.ok) {
      const secrets = [...(options.secrets ?? []), ...Object.values(options.headers ?? {})];
      const excerpt = redactSecrets(text.trim(), secrets).slice(0, BODY_EXCERPT_LENGTH);
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
