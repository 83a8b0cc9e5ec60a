import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { ownerOfSession } from '../threads/thread-wire.js';

/** What `checkThreadWriter` needs. */
export interface CheckThreadWriterOptions {
  database: GatewayDatabase | undefined;
  report: (error: unknown, where: string) => void;
  session: SessionRecord;
  threadId: string;
}

/**
 * Resolves when a run of `session` may write thread `threadId`: the thread is its owner's, or
 * nobody's yet (the run creates it for that owner); else throws 404, as the thread's chat would
 * (another owner's thread is not told apart from a missing one). Checked before the thread's
 * lock is tried, so that a stranger never holds it. A store that cannot say whose a thread is
 * (`ownerOf` absent) lets the check pass: reading the thread, owner-scoped, answers 404 then.
 */
export async function checkThreadWriter(options: CheckThreadWriterOptions): Promise<void> {
  const { database, report, session, threadId } = options;
  const owner = ownerOfSession(session);
  // Whose a thread is never waits in held-back writes (a thread is created at once): they are
  // left to their hold, as the chat's own read of the thread leaves them.
  const writable = await callThreadStore(
    database,
    report,
    async (store) => {
      if ((await store.getThread(owner, threadId)) !== undefined) return true;
      return store.ownerOf === undefined ? true : (await store.ownerOf('thread', threadId)) === undefined;
    },
    { flushWrites: false },
  );
  if (!writable) throw HttpError.detail(404, 'Thread not found');
}
