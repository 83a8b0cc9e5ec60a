/**
 * Why a stream ends with `stream_resume`: its instance handed the run over to another one (a
 * shutdown), or another instance took the run from it (this one was presumed dead).
 */
export type StreamResumeReason = 'handed_over' | 'lost';

/**
 * What a stream that ends because its run goes on elsewhere tells its client, whatever the
 * protocol: why, and the last event the client was sent (`<runId>:<lastSeq>`, the position to
 * resume after).
 */
export interface StreamResume {
  reason: StreamResumeReason;
  runId: string;
  /** The last sequence number the client may have seen (never one the shared log lacks). */
  lastSeq: number;
}

/** The position a client resumes after, as `Last-Event-ID` carries it: `<runId>:<seq>`. */
export function lastEventIdOf(notice: StreamResume): string {
  return `${notice.runId}:${notice.lastSeq}`;
}

/**
 * The `stream_resume` frame that ends a stream whose run goes on on another instance: one
 * `data:` line and no `id:`, so the client's last event id stays the last event it received
 * (`last_event_id` repeats it), and the client reconnects with it (`Last-Event-ID`) through the
 * balancer. Never written to the run's log: only the streams this instance ends send it.
 */
export function formatStreamResumeNotice(runId: string, seq: number, reason: StreamResumeReason): string {
  const notice = { type: 'stream_resume', reason, last_event_id: `${runId}:${seq}` };
  return `data: ${JSON.stringify(notice)}\n\n`;
}
