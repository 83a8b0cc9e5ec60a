import {
  isPendingStatus,
  type PendingAnswerKey,
  type PendingAnswerStore,
} from '../../core/pending-answer-store.js';
import { createApprovalNonce } from '../../tools/approval-gate.js';

/**
 * Marks calls whose answers a run took from the database (the answers kept for a run taken over
 * from a dead instance) as received: each answered tombstone is stored again under a new nonce.
 * The outbox of the instance that acknowledged the answer, still publishing it to a channel
 * nobody follows any more, sees its claim re-stamped and stops (`delivered`), instead of
 * publishing until the call expires; the tombstone stays answered, so a repeated answer still
 * hears "already submitted". A call that is waiting again, or gone, is left alone. Best effort:
 * a failure is the caller's to report; the outbox then stops at the call's expiry, as before.
 */
export async function markTakenFromDatabase(
  pendingAnswers: PendingAnswerStore,
  calls: readonly PendingAnswerKey[],
): Promise<void> {
  await Promise.all(
    calls.map(async (call) => {
      const record = await pendingAnswers.get(call);
      if (record === undefined || isPendingStatus(record.status)) return;
      await pendingAnswers.create({ ...record, nonce: createApprovalNonce() });
    }),
  );
}
