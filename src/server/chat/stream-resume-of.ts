import type { StreamResume } from '../sse/stream-resume-notice.js';
import type { ChatRun } from './chat-run.js';

/**
 * What the streams of `run` end with when it goes on on another instance (its log was abandoned:
 * this instance handed it over, or another one took it), or undefined while it is this
 * instance's to end. The position is the last event the shared log holds, so that a resume
 * from it misses nothing and repeats nothing.
 */
export function streamResumeOf(run: ChatRun): StreamResume | undefined {
  if (!run.eventLog.abandoned) return undefined;
  return {
    reason: run.state === 'lost' ? 'lost' : 'handed_over',
    runId: run.runId,
    lastSeq: run.eventLog.lastVisibleSeq,
  };
}
