import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { THREAD_ID_PATTERN, THREAD_LIMITS } from '../../core/thread-limits.js';
import type { JsonObject } from '../../core/thread-store.js';
import { containsNul } from '../../core/contains-nul.js';

const invalid = (message: string): GatewayError => new GatewayError(GatewayErrorCode.InvalidOption, message);

/** Rejects a title longer than `THREAD_LIMITS.titleChars` or holding a NUL character. */
export function checkTitle(title: string | null | undefined): void {
  if (typeof title === 'string' && containsNul(title))
    throw invalid('thread title must not contain NUL characters');
  if (typeof title === 'string' && title.length > THREAD_LIMITS.titleChars) {
    throw invalid(
      `thread title is ${title.length} characters; at most ${THREAD_LIMITS.titleChars} are allowed`,
    );
  }
}

/**
 * Rejects metadata that is not a plain object, whose JSON is over `THREAD_LIMITS.metadataBytes`
 * or that holds a NUL character (in a key or a string, which `jsonb` cannot store); returns its JSON.
 */
export function metadataJson(metadata: JsonObject | undefined): string | undefined {
  if (metadata === undefined) return undefined;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalid('thread metadata must be a JSON object');
  }
  const json = JSON.stringify(metadata);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > THREAD_LIMITS.metadataBytes) {
    throw invalid(
      `thread metadata is ${bytes} bytes of JSON; at most ${THREAD_LIMITS.metadataBytes} are allowed`,
    );
  }
  if (containsNul(metadata)) throw invalid('thread metadata must not contain NUL characters');
  return json;
}

/** Rejects a client-chosen thread id outside `THREAD_ID_PATTERN`. */
export function checkThreadId(id: string): void {
  if (!THREAD_ID_PATTERN.test(id)) {
    throw invalid(`thread id must be 1 to ${THREAD_LIMITS.idChars} letters, digits, '_', '-', '.' or ':'`);
  }
}
