import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { SessionRecord } from '../../core/stores.js';
import type { JsonValue } from '../../core/thread-store.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';

/** What a run resumed from a suspension continues from. */
export interface RunResumption {
  /** Where the run stood when it was suspended. */
  checkpoint: RunCheckpoint;
  /** The last sequence number of the suspended run's stream: this run writes after it. */
  afterSeq: number;
  /** The answers that arrived, by tool call id (`null`: the call's wait expired unanswered). */
  answers: ReadonlyMap<string, JsonValue | null>;
}

/**
 * Starts a suspended run again under its own id once its answers arrived: the app's
 * `SessionRuns` (`chat/session-runs.ts`), seen from here. The pending answers sit below `chat/`,
 * so they name only the one method they call; the app hands its `SessionRuns` in at startup.
 */
export interface ResumedRunStarter {
  /** Starts the run with the same checks as `POST /chat`; rejects as that route would refuse. */
  start(
    session: SessionRecord,
    request: ChatRunRequest,
    resume: { runId: string; resumption: RunResumption; threadId?: string },
  ): Promise<unknown>;
}
