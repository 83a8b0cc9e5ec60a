import { HttpError } from '../../core/http-error.js';
import type { ChatRun } from '../chat/chat-run.js';
import { endsWithTerminal, followRemoteRun, type SharedStores } from '../chat/remote-runs.js';
import type { RunRegistry } from '../chat/run-registry.js';
import type { SessionRuns } from '../chat/session-runs.js';
import { dropConnectionOf } from '../connections/connection-of-request.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { RouteHandler } from '../http/route-handler.js';
import { sseResponse } from '../sse/sse-response.js';
import { formatStreamResumeNotice } from '../sse/stream-resume-notice.js';
import { streamResumeOf } from '../chat/stream-resume-of.js';
import { isClientGone, SSE_HEADERS, type SseStreamOptions } from '../sse/sse-stream.js';
import { parseResumePosition, type ResumePosition } from '../sse/parse-resume-position.js';

/** What the run streams of the native routes need. */
export interface RunStreamDependencies {
  config: Pick<GatewayServerConfig, 'sseRetryMs' | 'heartbeatIntervalMs' | 'maxBufferedBytesPerStream'>;
  runs: RunRegistry;
  sessionRuns: Pick<SessionRuns, 'joinFollowers'>;
  report: (error: unknown, where: string) => void;
  /** Counts an opened SSE stream (metrics); returns the function that counts it closed. */
  trackStream?: () => () => void;
}

/** Settings every SSE response of the gateway shares. */
export type StreamSettings = Pick<
  SseStreamOptions,
  'retryMs' | 'heartbeatIntervalMs' | 'maxBufferedBytes' | 'dropConnection' | 'track'
>;

/** The SSE responses that follow a run, held here or read from the shared log. */
export interface RunStreams {
  /** Settings every SSE response shares. */
  streamSettings: (request: Request) => StreamSettings;
  /**
   * An SSE response that follows `run` from after `seq`; the follower leaves when it ends.
   * `headers` are this response's own (`x-budget-*`), added to the shared SSE headers.
   */
  followRun(
    run: ChatRun,
    seq: number,
    request: Request,
    headers?: Readonly<Record<string, string>>,
  ): Response;
  /** Re-attaches to a run of this session held by another instance, from the shared log. */
  resumeRemoteRun(
    storesOfRuns: SharedStores,
    sessionId: string,
    position: ResumePosition,
    request: Request,
  ): Promise<Response>;
}

/** Creates the run streams of one set of routes. */
export function createRunStreams(dependencies: RunStreamDependencies): RunStreams {
  const { config, runs, report } = dependencies;
  const joinFollowers = (runId: string): (() => void) => dependencies.sessionRuns.joinFollowers(runId);
  const streamSettings = (request: Request): StreamSettings => ({
    ...(config.sseRetryMs === undefined ? {} : { retryMs: config.sseRetryMs }),
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    maxBufferedBytes: config.maxBufferedBytesPerStream,
    dropConnection: () => dropConnectionOf(request),
    ...(dependencies.trackStream === undefined ? {} : { track: dependencies.trackStream }),
  });

  const followRun: RunStreams['followRun'] = (run, seq, request, headers) => {
    const follower = new RunFollower(run, seq, request, config, joinFollowers(run.runId), runs.follow(run));
    if (dependencies.trackStream !== undefined) follower.track = dependencies.trackStream;
    const response = sseResponse(request, follower, SSE_HEADERS, headers);
    run.onDone(follower.leave);
    return response;
  };

  const resumeRemoteRun = async (
    storesOfRuns: SharedStores,
    sessionId: string,
    position: ResumePosition,
    request: Request,
  ): Promise<Response> => {
    const location = await storesOfRuns.runDirectory.getLatest(sessionId);
    if (location === undefined) throw HttpError.detail(404, 'No run to resume for this session');
    if (position.runId !== undefined && position.runId !== location.runId) {
      throw HttpError.detail(404, `Run ${position.runId} is not this session's current or most recent run`);
    }
    const lastSeq = await storesOfRuns.runEvents.lastSeq(location.runId);
    if (position.seq > lastSeq) {
      throw HttpError.detail(
        400,
        `Last-Event-ID ${position.seq} is beyond the last event of run ${location.runId} (${lastSeq})`,
      );
    }
    if (
      position.seq === lastSeq &&
      (location.finished || (await endsWithTerminal(storesOfRuns, location.runId, lastSeq)))
    ) {
      return new Response(null, { status: 204 });
    }
    const leaveSlot = joinFollowers(location.runId);
    const remote = followRemoteRun(storesOfRuns, location, position.seq, report);
    return sseResponse(
      request,
      {
        entries: remote.entries,
        signal: request.signal,
        runId: location.runId,
        ...streamSettings(request),
        onAbandoned: () => {
          leaveSlot();
          remote.leave();
        },
      },
      SSE_HEADERS,
    );
  };

  return { streamSettings, followRun, resumeRemoteRun };
}

/**
 * `GET /chat/stream`: re-attaches the session's client to its current or most recent run after
 * `Last-Event-ID` (or `?after=`), from this instance's log or, when it cannot serve it, the
 * shared log.
 */
export function createChatStreamHandler(options: {
  runs: RunRegistry;
  sharedStores: SharedStores | undefined;
  streams: RunStreams;
}): RouteHandler {
  const { runs, sharedStores, streams } = options;
  return async (context) => {
    const session = context.var.session;
    const position = parseResumePosition(context.req.header('last-event-id') ?? context.req.query('after'));
    const run = runs.latest(session.sessionId);
    // The shared log serves what this instance cannot: a run it does not hold (or no longer
    // holds), a resume from before the part it holds (a run it took over), or another run than
    // the one it retains.
    if (
      sharedStores !== undefined &&
      (run === undefined ||
        run.eventLog.abandoned ||
        position.seq < run.eventLog.firstSeq - 1 ||
        (position.runId !== undefined && position.runId !== run.runId))
    ) {
      return streams.resumeRemoteRun(sharedStores, session.sessionId, position, context.req.raw);
    }
    if (run === undefined) throw HttpError.detail(404, 'No run to resume for this session');
    if (position.runId !== undefined && position.runId !== run.runId) {
      throw HttpError.detail(404, `Run ${position.runId} is not this session's current or most recent run`);
    }
    if (position.seq > run.eventLog.lastSeq) {
      throw HttpError.detail(
        400,
        `Last-Event-ID ${position.seq} is beyond the last event of run ${run.runId} (${run.eventLog.lastSeq})`,
      );
    }
    // Nothing left to send: 204 tells an EventSource to stop reconnecting.
    if (run.eventLog.finished && position.seq === run.eventLog.lastSeq) return context.body(null, 204);
    return streams.followRun(run, position.seq, context.req.raw);
  };
}

/**
 * The stream options of one client following a run held here, as an object with methods
 * rather than a closure per callback: a stream per chat makes it hot.
 */
class RunFollower implements SseStreamOptions {
  readonly entries: SseStreamOptions['entries'];
  readonly signal: AbortSignal;
  readonly runId: string;
  readonly heartbeatIntervalMs: number;
  readonly maxBufferedBytes: number;
  declare retryMs?: number;
  declare track?: () => () => void;
  /** Leaves the session's follower slot and the run's followers; idempotent (both are). */
  readonly leave = (): void => {
    this.leaveSlot();
    this.leaveRun();
  };

  constructor(
    private readonly run: ChatRun,
    seq: number,
    private readonly request: Request,
    config: RunStreamDependencies['config'],
    private readonly leaveSlot: () => void,
    private readonly leaveRun: () => void,
  ) {
    this.entries = run.eventLog.feed(seq);
    this.signal = request.signal;
    this.runId = run.runId;
    this.heartbeatIntervalMs = config.heartbeatIntervalMs;
    this.maxBufferedBytes = config.maxBufferedBytesPerStream;
    if (config.sseRetryMs !== undefined) this.retryMs = config.sseRetryMs;
  }

  dropConnection(): boolean {
    return dropConnectionOf(this.request);
  }

  /** A run that goes on elsewhere ends its local streams with `stream_resume` (see its format). */
  endNotice(): string | undefined {
    const notice = streamResumeOf(this.run);
    return notice === undefined
      ? undefined
      : formatStreamResumeNotice(notice.runId, notice.lastSeq, notice.reason);
  }

  onAbandoned(reason: string): void {
    // An unserialisable event would break every follower the same way: end the run. A
    // client that left (or was dropped for falling behind) may come back: the run goes on.
    if (!isClientGone(reason)) this.run.abort(`cancelled: ${reason}`);
    this.leave();
  }
}
