import { GatewayError } from '../../core/errors.js';
import { decodeCursor, keysetPage, type CursorPosition } from '../sql/page-cursor.js';

/** Newest first: later `at`, then the greater id (the order the SQL stores use). */
const isAfterInList = (item: CursorPosition, cursor: CursorPosition): boolean =>
  item.at < cursor.at || (item.at === cursor.at && item.id < cursor.id);

/**
 * One page of `entries`, newest first by `positionOf` (the order of the SQL stores), after
 * the cursor; `nextCursor` when more follow.
 */
export function pageOf<Entry>(
  entries: Entry[],
  positionOf: (entry: Entry) => CursorPosition,
  page: { limit: number; cursor?: string },
): { items: Entry[]; nextCursor?: string } {
  if (!Number.isInteger(page.limit) || page.limit < 1) {
    throw new GatewayError('invalid_option', `limit must be a positive integer, got ${page.limit}`);
  }
  const cursor = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const sorted = entries
    .filter((entry) => cursor === undefined || isAfterInList(positionOf(entry), cursor))
    .sort((left, right) => {
      const a = positionOf(left);
      const b = positionOf(right);
      return b.at - a.at || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
    });
  return keysetPage(sorted, page.limit, (entry) => entry, positionOf);
}
