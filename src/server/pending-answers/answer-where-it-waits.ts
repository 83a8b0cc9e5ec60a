import type { SubmissionResponse } from './claim-pending-submission.js';

/** The two places a pending answer can wait, as the answering route reaches them. */
export interface PlacesOfPendingAnswer {
  /**
   * Submits the answer to the call waiting live (in a run's memory, here or on another
   * instance): 404 when no such call waits live any more. Absent when the route already knows
   * the call does not wait live (it found no live record of the run it names).
   */
  live?: () => Promise<SubmissionResponse>;
  /**
   * Stores the answer in the run suspended in the database that waits for it; undefined when no
   * suspended run waits for it (or the app keeps none). `alreadyKept`: the live submission kept
   * this very answer in the database as its run was being suspended, so the suspended run
   * applies it instead of refusing it as a second answer.
   */
  suspended?: (context: { alreadyKept: boolean }) => Promise<SubmissionResponse | undefined>;
}

/**
 * Answers a pending answer wherever it waits: live first, and only when no call waits live
 * (the live submission's 404, or no live call to try) the run suspended in the database. Every
 * other live outcome stands as it is: answered (200/202), already answered (409), expired
 * (410), refused (403), unavailable (503). Resolves undefined when the answer found neither
 * place (no live call to try and no suspended run waiting for it); with a live call to try it
 * always resolves, to the live 404 when neither place took the answer. This is the one decision behind every answer of the answering service
 * but a frontend's claims (whose run is held live, never suspended): `POST /chat/tool-approval`,
 * `/chat/tool-result` (and so A2A and MCP), `/runs/:id/tool-approval` and the approvals inbox.
 */
export function answerWhereItWaits(
  places: PlacesOfPendingAnswer & Required<Pick<PlacesOfPendingAnswer, 'live'>>,
): Promise<SubmissionResponse>;
export function answerWhereItWaits(places: PlacesOfPendingAnswer): Promise<SubmissionResponse | undefined>;
export async function answerWhereItWaits(
  places: PlacesOfPendingAnswer,
): Promise<SubmissionResponse | undefined> {
  const live = places.live === undefined ? undefined : await places.live();
  if (live !== undefined && live.status !== 404) return live;
  const stored = await places.suspended?.({ alreadyKept: live?.kept === true });
  return stored ?? live;
}
