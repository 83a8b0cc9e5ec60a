import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { THREAD_ID_PATTERN } from '../../core/thread-limits.js';

/** Position after the last item of a page: its sort time and id (ties broken by id). */
export interface CursorPosition {
  at: number;
  id: string;
}

/** Encodes a position as an opaque URL-safe cursor. */
export const encodeCursor = (position: CursorPosition): string =>
  Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');

/**
 * Decodes a cursor from `encodeCursor`; anything else is an `invalid_option` error, a crafted
 * one too: its id must look like a thread or run id (so no NUL or other character a database
 * would refuse reaches a statement).
 */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      THREAD_ID_PATTERN.test(value[1])
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // Reported below like any other malformed cursor.
  }
  throw new GatewayError(
    GatewayErrorCode.InvalidOption,
    'invalid cursor: pass next_cursor from the previous page',
  );
}

/** A requested page size, clamped to 1..`max`. */
export const clampLimit = (limit: number, max: number): number =>
  Number.isFinite(limit) ? Math.min(max, Math.max(1, Math.floor(limit))) : max;
