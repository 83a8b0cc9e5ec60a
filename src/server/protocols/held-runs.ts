import type { GatewayEvent, LogEntry } from '../../core/events.js';
import type { LocatedRun } from '../chat/session-runs.js';

/*
 * A run held between two HTTP requests of a frontend protocol: the response ended where
 * the run waits on the client (an approval, a client-side tool), the run goes on waiting on the
 * server, and the next request's answers let the same run continue from there.
 */

/** How long past a call's expiry a held run is still kept for its answer. */
const HOLD_SLACK_MS = 5_000;

/** Whether an event asks the client for a pending answer (approval, client-side tool). */
export function waitsForClient(event: GatewayEvent): event is GatewayEvent & { tool_call_id: string } {
  return (
    event.type === 'tool_approval_request' ||
    (event.type === 'tool_call_start' && event.execution_location === 'client')
  );
}

/**
 * Keeps `located` alive after a response ended at `entry` (a call waiting on the client)
 * until the call is answered, the run ends, or the call's expiry (plus a little) passes.
 */
export function holdRunForAnswer(
  located: LocatedRun,
  entry: LogEntry & { event: { tool_call_id: string } },
): void {
  const expiresAt: unknown = Reflect.get(entry.event, 'expires_at');
  const holdMs =
    typeof expiresAt === 'number'
      ? Math.max(0, expiresAt * 1000 - Date.now()) + HOLD_SLACK_MS
      : HOLD_SLACK_MS;
  located.holdUntilAnswered(entry.event.tool_call_id, entry.seq, AbortSignal.timeout(holdMs));
}

/**
 * Where a continuation resumes: after the last of the events that asked the calls answered
 * now (the previous response ended at one of them, having sent everything before it).
 */
export function resumeSeqAfter(
  entries: readonly LogEntry[],
  answeredToolCallIds: ReadonlySet<string>,
): number {
  let seq = 0;
  for (const entry of entries) {
    if (waitsForClient(entry.event) && answeredToolCallIds.has(entry.event.tool_call_id))
      seq = Math.max(seq, entry.seq);
  }
  return seq;
}

/** Ids of calls whose outcome is in the log (they no longer wait on the client). */
export function completedCallIds(entries: readonly LogEntry[]): Set<string> {
  const ids = new Set<string>();
  for (const { event } of entries) if (event.type === 'tool_call_complete') ids.add(event.tool_call_id);
  return ids;
}
