import { z } from 'zod';
import { THREAD_ID_PATTERN } from '../../core/thread-limits.js';
import type { ThreadOwner } from '../../core/thread-store.js';
import { databaseSchema } from '../../agent-spec/database-option.js';

/**
 * The principal that owns the threads of headless runs unless `headless.owner` names another.
 * API keys are fingerprinted as 16 hex characters, so no key of the HTTP gateway is this owner:
 * a thread a client created over HTTP is not readable by a headless run, and the reverse.
 */
export const HEADLESS_OWNER: ThreadOwner = Object.freeze({ apiKeyHash: 'headless' });

/** `headless.owner`: the principal a headless run reads and writes its thread as. */
export const threadOwnerSchema = z
  .strictObject({
    /** The owner's key fingerprint (`hashApiKey(key)`), or `'headless'`. */
    apiKeyHash: z.string().min(1, 'must be a non-empty string'),
    /** The end user of that key, as a server-side key asserted it at `/chat/init`. */
    user: z.string().min(1, 'must be a non-empty string').optional(),
  })
  .transform((owner): ThreadOwner =>
    owner.user === undefined
      ? { apiKeyHash: owner.apiKeyHash }
      : { apiKeyHash: owner.apiKeyHash, user: owner.user },
  );

/** The fields of the `headless` group that continue a stored thread. */
export const headlessThreadShape = {
  /**
   * Continue this stored thread (created on first use): the run reads its history and appends
   * its own messages. Needs `database`. Letters, digits, `_`, `-`, `.`, `:`; at most 128.
   */
  thread: z.string().regex(THREAD_ID_PATTERN, 'must be 1 to 128 letters, digits, _, -, . or :').optional(),
  /**
   * Where the thread is kept, as `server.database`: `'embedded'`, `{ embedded: { dir } }`,
   * `{ postgres: url }` (opened and closed by the run) or a `ThreadStore` (left open).
   */
  database: databaseSchema.optional(),
  /** Who owns the thread (default `HEADLESS_OWNER`, `{ apiKeyHash: 'headless' }`). */
  owner: threadOwnerSchema.optional(),
};
