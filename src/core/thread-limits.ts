/**
 * Size bounds of what a client may store in a thread, enforced by every thread store (routes
 * may check them first to answer 400 with a field name).
 */
export const THREAD_LIMITS = {
  /** Longest title, in characters. */
  titleChars: 500,
  /** Largest metadata object, in bytes of its JSON text. */
  metadataBytes: 16_384,
  /** Longest client-chosen thread id, in characters (letters, digits, `_`, `-`, `.`, `:`). */
  idChars: 128,
  /** Most items one page of a list returns. */
  pageSize: 200,
} as const;

/** What a client-chosen thread id may look like. */
export const THREAD_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
