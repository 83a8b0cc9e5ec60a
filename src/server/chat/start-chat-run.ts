import { randomUUID } from 'node:crypto';
import { describeFailureForClient } from '../../agent/describe-failure-for-client.js';
import { formatErrorChain } from '../../agent/format-error-chain.js';
import { silentLogger } from '../../agent/logger.js';
import { EventLog } from '../../agent/event-log.js';
import type { RequestApproval } from '../../core/approval.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { GatewayEvent } from '../../core/events.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { ToolCall } from '../../core/tool.js';
import type { ChatRuntime, GatewayServerConfig, RequestContext } from '../gateway-config.js';
import type { ChatBody } from '../http/request-schemas.js';
import { awaitClientToolResult } from '../pending-tools/await-client-tool-result.js';
import { createRequestApprovalOverStores } from '../pending-tools/create-request-approval-over-stores.js';
import { attachRunObservers } from './attach-run-observers.js';
import { openTranscript } from './transcript-writer.js';
import { shareRun, type SharedRunSettings } from './share-run.js';

/**
 * The failure of a run result, when the runner is an `AgentRunner` (or returns the same shape)
 * and the run ended in `error`; custom runners may return anything.
 */
function failureOf(result: unknown): { code: string; error: string } | undefined {
  if (typeof result !== 'object' || result === null || Reflect.get(result, 'outcome') !== 'error')
    return undefined;
  const code: unknown = Reflect.get(result, 'errorCode');
  const error: unknown = Reflect.get(result, 'error');
  return {
    code: typeof code === 'string' ? code : 'internal_error',
    error: typeof error === 'string' ? error : 'unknown error',
  };
}

/** A chat run in progress, independent of the HTTP response that started it. */
export interface ChatRun {
  /** Random id of this run; SSE ids are `<runId>:<seq>` so a resume names its run. */
  readonly runId: string;
  readonly sessionId: string;
  readonly eventLog: EventLog;
  /**
   * Cancels the run: the terminal `error` event carrying `reason` is written at once (so
   * followers see why the stream ended), then the upstream request and tools are aborted.
   * Idempotent; a run that already ended is left alone.
   */
  abort(reason?: string): void;
  /**
   * Stops running the run here and lets another instance take it over from its last
   * checkpoint (graceful shutdown of one instance among several). Local streams end without a
   * terminal event, so their clients reconnect elsewhere. Falls back to `abort(reason)` when
   * runs cannot be taken over (no run leases), and resolves once the run is handed over or
   * ended.
   */
  handOver(reason: string): Promise<void>;
  /** Settles when the run has ended and its session lock and pending tools are released. */
  readonly done: Promise<void>;
}

/** Everything `startChatRun` needs. */
export interface StartChatRunOptions {
  config: GatewayServerConfig;
  stores: GatewayStores;
  session: SessionRecord;
  body: ChatBody;
  runtime: ChatRuntime;
  /** The model the run uses (already checked against the allow-list), if any. */
  model: string | undefined;
  report: (error: unknown, where: string) => void;
  /**
   * Set when the stores are shared: this instance's id and how long a finished run stays
   * readable. The run is then registered in the run directory, its events mirrored into the
   * shared event log store, and a cancel published on `BusChannel.cancelRun` reaches it.
   */
  shared?: SharedRunSettings;
  /** Set when this instance continues a run another instance started (and died running). */
  takeover?: RunTakeover;
}

/** What a run taken over from another instance continues from. */
export interface RunTakeover {
  runId: string;
  /** The lease epoch this instance's claim got. */
  epoch: number;
  /** The last sequence number already in the shared log: this instance writes after it. */
  afterSeq: number;
  /** Where the run stood; undefined when it died before its first checkpoint. */
  checkpoint: RunCheckpoint | undefined;
}

const DEFAULT_TOOL_WAIT_MS = 120_000;

/**
 * Starts one chat run: creates its event log, wires observers, transcript and the
 * human-in-the-loop transports, builds the runner and runs it in the background. Whatever
 * happens, the run ends with exactly one terminal event, its pending tools are withdrawn and
 * the session's run lock is released. The caller must already hold the run lock.
 */
export async function startChatRun(options: StartChatRunOptions): Promise<ChatRun> {
  const { config, stores, session, body, runtime, report } = options;
  const logger = config.logger ?? silentLogger;
  const sessionId = session.sessionId;
  const { takeover } = options;
  // 12 hex digits: the first 48 bits of a v4 UUID are all random, and randomUUID draws from a
  // cached entropy pool (randomBytes per run showed up in the CPU profile).
  const runId = takeover?.runId ?? randomUUID().replaceAll('-', '').slice(0, 12);
  const eventLog = new EventLog({ afterSeq: takeover?.afterSeq ?? 0 });
  const controller = new AbortController();
  const transcript =
    config.transcriptDir === undefined ? undefined : openTranscript(config.transcriptDir, sessionId);
  if (takeover === undefined) {
    transcript?.write({ type: 'chat_request', messages: body.messages, context: body.context });
  }
  const detachObservers = attachRunObservers(eventLog, sessionId, config, transcript, report);
  const emit = (event: GatewayEvent): void => {
    eventLog.append(event);
  };
  if (takeover !== undefined) {
    // Followers see why the stream paused and that what follows continues the same run; like a
    // retried model turn, any partial answer of the interrupted turn is superseded.
    emit({
      type: 'stream_retry',
      attempt: takeover.epoch - 1,
      error:
        'The gateway instance running this chat stopped; another instance continues it from its ' +
        (takeover.checkpoint === undefined ? 'start.' : 'last completed step.'),
    });
  }

  const askApproval = createRequestApprovalOverStores({ stores, sessionId, emit });
  const requestApproval: RequestApproval = (request, signal) =>
    askApproval({ ...request, timeoutMs: config.approvalTimeoutMs ?? request.timeoutMs }, signal);
  const requestClientToolResult = (call: ToolCall, signal: AbortSignal) =>
    awaitClientToolResult({
      stores,
      sessionId,
      toolCallId: call.id,
      toolName: call.name,
      timeoutMs: config.clientToolTimeoutMs ?? DEFAULT_TOOL_WAIT_MS,
      signal,
      announce: ({ nonce, expiresAt }) =>
        emit({
          type: 'tool_call_start',
          tool_call_id: call.id,
          tool_name: call.name,
          tool_input: call.input,
          execution_location: 'client',
          call_index: call.callIndex,
          nonce,
          expires_at: expiresAt,
        }),
    });
  let sharing: Awaited<ReturnType<typeof shareRun>>;
  let lost = false;
  /** Set while the run is being handed over: the local cleanup waits for it. */
  let handingOver: Promise<void> | undefined;
  try {
    sharing = await shareRun({
      ...options,
      runId,
      eventLog,
      request: { ...body },
      ...(takeover === undefined ? {} : { takenOverAtEpoch: takeover.epoch }),
      abort: (reason) => abort(reason),
      onLost: () => standDown(),
    });
  } catch (error) {
    detachObservers();
    await transcript?.close();
    throw error;
  }

  const context: RequestContext = {
    session,
    eventLog,
    signal: controller.signal,
    requestApproval,
    requestClientToolResult,
    approvedToolTypes: new Set(session.approvedToolTypes),
    ...(sharing?.saveCheckpoint === undefined ? {} : { onCheckpoint: sharing.saveCheckpoint }),
  };

  const release = async (): Promise<void> => {
    eventLog.close();
    detachObservers();
    // A run that moved to another instance leaves the session's lock and parked calls alone:
    // they belong to the run, which goes on there.
    await handingOver;
    // Checked before the lease ends: an instance cut off while another took the run over must
    // not free the session or withdraw the calls of the run that goes on there.
    const owner = !lost && (sharing === undefined || (await sharing.stillHeld()));
    const cleanups: Array<Promise<void> | undefined> = lost
      ? [sharing?.standDown(), transcript?.close()]
      : [
          sharing?.release(),
          transcript?.close(),
          owner ? stores.pendingTools.deleteForSession(sessionId) : undefined,
          owner ? stores.sessions.releaseRunLock(sessionId) : undefined,
        ];
    await Promise.allSettled(cleanups.map((cleanup) => cleanup ?? Promise.resolve())).then((results) => {
      for (const result of results) if (result.status === 'rejected') report(result.reason, 'run cleanup');
    });
  };

  let runner;
  try {
    runner = await runtime.createRunner(context);
  } catch (error) {
    await release();
    throw error;
  }

  function abort(reason = 'cancelled'): void {
    if (controller.signal.aborted) return;
    emit({ type: 'error', error: reason });
    controller.abort(new Error(reason));
  }

  /** Another instance took the run over: stop here, ending local streams without a terminal event. */
  function standDown(): void {
    if (lost) return;
    lost = true;
    eventLog.abandon();
    controller.abort(new Error('the run moved to another gateway instance'));
  }

  const done = (async () => {
    try {
      const checkpoint = takeover?.checkpoint;
      const result = await runner.run({
        messages:
          checkpoint?.messages ??
          body.messages.map((message) => ({
            role: message.role === 'assistant' ? 'assistant' : 'user',
            content: message.content,
          })),
        ...(checkpoint === undefined ? {} : { resume: checkpoint }),
        systemPrompt: runtime.systemPrompt,
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(runtime.maxTurns === undefined ? {} : { maxTurns: runtime.maxTurns }),
        signal: controller.signal,
      });
      const failure = failureOf(result);
      if (failure !== undefined) logger.error('run failed', { runId, sessionId, ...failure });
    } catch (error) {
      if (!controller.signal.aborted) {
        report(error, 'chat run');
        const told = describeFailureForClient(error);
        logger.error('run failed', { runId, sessionId, code: told.code, error: formatErrorChain(error) });
        emit({ type: 'error', error: told.message, code: told.code });
      }
    } finally {
      await release();
    }
  })();

  /** See `ChatRun.handOver`. */
  async function handOver(reason: string): Promise<void> {
    if (eventLog.finished || controller.signal.aborted) return done;
    if (sharing?.saveCheckpoint === undefined) {
      abort(reason);
      return done;
    }
    // Nothing more reaches the log (an aborted tool's `cancelled` result would mislead), and
    // the shared log gets everything before the lease lapses.
    lost = true;
    eventLog.abandon();
    handingOver = sharing.handOver().then(
      () => undefined,
      (error: unknown) => report(error, 'run hand-over'),
    );
    controller.abort(new Error(reason));
    await handingOver;
    return done;
  }

  return {
    runId,
    sessionId,
    eventLog,
    abort,
    handOver,
    done,
  };
}
