import type { LogEntry } from '../../core/events.js';
import type { LocatedRun } from '../chat/session-runs.js';
import type { SseFraming } from '../sse/sse-framing.js';
import { sseResponse } from '../sse/sse-response.js';
import { isClientGone } from '../sse/sse-stream.js';
import type { ProtocolRouteContext } from './protocol-route-context.js';
import { holdRunForAnswer } from './held-runs.js';
import { streamResumeOf } from '../chat/stream-resume-of.js';

/** The entry a response ended on when it ended on a call waiting for the client. */
type HeldEntry = LogEntry & { event: { tool_call_id: string } };

/** Options of `streamToFrontend`. */
export interface StreamToFrontendOptions {
  located: LocatedRun;
  /** The response carries the run's events after this sequence number. */
  afterSeq: number;
  request: Request;
  /**
   * The protocol's framing of the events (its encoder, for this one response), given the
   * function to call when the response ends on a call that waits for the client.
   */
  framing: (onHold: (entry: HeldEntry) => void) => SseFraming;
  headers: Readonly<Record<string, string>>;
  /**
   * Called when the client went away before the response ended. Unset, the run goes on for
   * `disconnectGraceMs` as on every stream; a protocol whose clients cancel by closing the
   * stream (MCP 2026-07-28) cancels it here.
   */
  onClientGone?: () => void;
}

/**
 * Streams a run to one frontend response, as one more follower (429 past `maxFollowersPerRun`)
 * from after `afterSeq`, framed by the protocol. A response that ends on a call waiting for
 * the client keeps the run alive until it is answered (`holdRunForAnswer`). A response whose run
 * is handed over to another instance ends with the protocol's resume notice (`SseFraming.resume`).
 * A response dropped for any reason but the
 * client leaving (a slow client, a failed write) cancels a run held here; whatever ended the
 * response (one that holds the run included), its follower is gone.
 */
export function streamToFrontend(context: ProtocolRouteContext, options: StreamToFrontendOptions): Response {
  const { located, request } = options;
  const follower = located.follow(options.afterSeq);
  const framing = options.framing((entry) => holdRunForAnswer(located, entry));
  return sseResponse(
    request,
    {
      entries: follower.entries,
      signal: request.signal,
      runId: located.runId,
      framing,
      endNotice: () => {
        const notice = located.local === undefined ? undefined : streamResumeOf(located.local);
        return notice === undefined ? undefined : framing.resume?.(notice);
      },
      ...context.streamSettings(request),
      onAbandoned: (reason) => {
        if (!isClientGone(reason)) located.local?.abort(`cancelled: ${reason}`);
        else options.onClientGone?.();
      },
      onClosed: () => follower.leave(),
    },
    options.headers,
  );
}
