import { z } from 'zod';
import type { JsonObject } from '../../core/thread-store.js';
import { THREAD_ID_PATTERN, THREAD_LIMITS } from '../../core/thread-limits.js';
import { HttpError } from '../../core/http-error.js';
import { containsNul } from '../../core/contains-nul.js';

/** Longest accepted thread title, in characters (the stores' bound, checked first here). */
export const MAX_TITLE_LENGTH = THREAD_LIMITS.titleChars;
/** Largest accepted thread metadata, as compact JSON in bytes. */
export const MAX_METADATA_BYTES = THREAD_LIMITS.metadataBytes;
/** Largest page a list route answers; the default page is smaller. */
export const MAX_PAGE_LIMIT = 100;
const DEFAULT_PAGE_LIMIT = 20;
/** Longest cursor accepted back from a client. */
const MAX_CURSOR_LENGTH = 512;

// No NUL characters: the database stores none, and bad input is the client's to fix (422).
const noNul = (value: unknown): boolean => !containsNul(value);
const title = z
  .string()
  .trim()
  .max(MAX_TITLE_LENGTH)
  .refine(noNul, 'must not contain NUL characters')
  .nullable();
const metadata = z
  .record(z.string().max(256), z.json())
  .refine(
    (value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_METADATA_BYTES,
    `must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
  )
  .refine(noNul, 'must not contain NUL characters')
  .transform((value) => value as JsonObject);

/** Body of `POST /threads`: both fields optional. */
export const CreateThreadBody = z.object({ title: title.optional(), metadata: metadata.optional() });
/** Body of `PATCH /threads/:id`: what is given replaces what is stored (metadata as a whole). */
export const UpdateThreadBody = CreateThreadBody;

/** A page request read from `?limit=&cursor=`; anything out of range is a 400. */
export function parsePageQuery(query: { limit?: string | undefined; cursor?: string | undefined }): {
  limit: number;
  cursor?: string;
} {
  let limit = DEFAULT_PAGE_LIMIT;
  if (query.limit !== undefined) {
    if (!/^\d{1,4}$/.test(query.limit) || Number(query.limit) < 1 || Number(query.limit) > MAX_PAGE_LIMIT) {
      throw HttpError.detail(400, `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
    }
    limit = Number(query.limit);
  }
  if (query.cursor === undefined || query.cursor === '') return { limit };
  if (query.cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_=.:-]+$/.test(query.cursor)) {
    throw HttpError.detail(400, 'Invalid cursor: pass back next_cursor exactly as received');
  }
  return { limit, cursor: query.cursor };
}

/** Whether an id from a path can name a thread or run at all (else it is simply not found). */
export const isPlausibleId = (id: string): boolean => THREAD_ID_PATTERN.test(id);
