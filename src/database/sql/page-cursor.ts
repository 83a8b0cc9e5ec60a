import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { Page } from '../../core/thread-store.js';
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

/**
 * The condition of a page after `cursor`, newest first on `columns` (a time and an id column,
 * `'started_at, id'`): `(started_at, id) < ($n, $m)`, the cursor's two values pushed onto `params`.
 * Undefined without a cursor.
 */
export function afterCursor(
  cursor: string | undefined,
  columns: string,
  params: unknown[],
): string | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(cursor);
  params.push(position.at, position.id);
  return `(${columns}) < ($${params.length - 1}, $${params.length})`;
}

/**
 * A page from `rows` read with `LIMIT limit + 1`: the first `limit` as items, and the cursor of
 * the last of them (`positionOf`) when more follow.
 */
export function keysetPage<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  positionOf: (item: Item) => CursorPosition,
): Page<Item> {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return rows.length > limit && last !== undefined
    ? { items, nextCursor: encodeCursor(positionOf(last)) }
    : { items };
}
