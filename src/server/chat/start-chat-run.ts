import { describeFailureForClient } from '../../agent/describe-failure-for-client.js';
import { formatErrorChain } from '../../agent/format-error-chain.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { GatewayEvent } from '../../core/events.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { ChatRunner, GatewayServerConfig, RequestContext } from '../contracts/gateway-config.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { attachRunObservers } from './attach-run-observers.js';
import { channelOf } from './channel-of.js';
import type { ChatRunLifecycle } from './chat-run.js';
import { createClientAnswerRequests } from './client-answer-requests.js';
import { logRunEnd } from './log-run-end.js';
import { startRunRecording } from '../threads/run-recorder.js';
import { publishInboxChange } from '../threads/inbox-change-bus.js';
import { registerRun, type RegisterRunDependencies } from './register-run.js';
import type { RunSlot } from './run-caps.js';
import { shareRun, type SharedRunSettings } from './share-run.js';
import { subscribeSteering } from './subscribe-steering.js';
import { openTranscript } from './transcript-writer.js';
import type { JsonValue } from '../../core/thread-store.js';
import { checkpointSinkOf, createSuspenderOf } from '../pending-answers/suspender-of.js';
import type { RunResumption } from '../pending-answers/run-resumption.js';
import type { SuspendedRuns } from '../pending-answers/suspended-runs.js';
import { endUserIdOf } from '../contracts/session-owner.js';
import { refusedModel } from './run-model-check.js';
import type { ThreadLock } from './thread-locks.js';

/** Everything `startChatRun` needs. */
export interface StartChatRunOptions {
  config: GatewayServerConfig;
  stores: GatewayStores;
  session: SessionRecord;
  body: ChatRunRequest;
  /**
   * Models a run may use (empty: any, when `config.allowedModels` or `config.defaultModel` is
   * set; with neither, a request may not name a model and the runtime's is used).
   */
  allowedModels: ReadonlySet<string>;
  /** The run to start, still `starting` (or `lost`, for a takeover lost meanwhile). */
  run: ChatRunLifecycle;
  /**
   * Set when the stores are shared: this instance's id and how long a finished run stays
   * readable. The run is then recorded in the run directory, its events mirrored into the
   * shared event log store, and a cancel published on `BusChannel.cancelRun` reaches it.
   */
  shared?: SharedRunSettings;
  /** Set when this instance continues a run another instance started (and died running). */
  continuation?: RunContinuation;
  /** Set when the run resumes from a suspension (its answers arrived). */
  resumption?: RunResumption;
  /**
   * The lock of the thread the run continues, taken by the caller: given back when the run ends
   * here (once its messages are written, when the stores are shared: a run on another instance
   * reads the thread from the database), left to the instance the run moves to otherwise.
   */
  threadLock?: ThreadLock;
  /** Where the started run is registered as its session's active run. */
  registration: RegisterRunDependencies;
  /**
   * The run's slot under its API key's caps (admitted by the caller, who gives it back unless
   * the run started): every call that waits for a client's answer is parked in it, and it is
   * given back when the run ends (or left to the instance the run moved to).
   */
  slot: RunSlot;
  /**
   * The app's suspended runs: once the run let go of the hold its suspension was written under,
   * it is resumed through them when every call it waits for was answered meanwhile (an answer
   * stored while it was held could not resume it).
   */
  suspendedRuns?: Pick<SuspendedRuns, 'resumeIfAnswered'> | undefined;
}

/** What a run taken over from another instance continues from. */
export interface RunContinuation {
  /** The lease epoch this instance's claim got. */
  epoch: number;
  /** The last sequence number already in the shared log: this instance writes after it. */
  afterSeq: number;
  /** Where the run stood; undefined when it died before its first checkpoint. */
  checkpoint: RunCheckpoint | undefined;
  /**
   * Answers to its unfinished calls that were acknowledged to the client before the run moved
   * here (kept in the database), by tool call id: used instead of asking again.
   */
  answers?: ReadonlyMap<string, JsonValue>;
}

/**
 * How a start went: `started` (launched and registered), `modelNotAllowed` (the runtime's or
 * request's model is not in `allowedModels`) or `failed` (the runtime, the sharing or the
 * runner could not be set up). Unless it started, the run did not launch: the caller cleans up
 * what it holds (the session lock, or the claimed lease) and gives the run up.
 */
export type StartOutcome =
  | { status: 'started' }
  | { status: 'modelNotAllowed'; model: string | undefined }
  | { status: 'failed'; error: unknown };

/**
 * Starts a chat run, the same way for `POST /chat` and for a run taken over from another
 * instance: builds the chat's runtime, checks its model against the allow-list, opens the run's
 * event log, wires observers, transcript, sharing and the questions to the client, builds the
 * runner, launches the run (its runner runs in the background) and registers it. Whatever
 * happens once launched, the run ends with exactly one terminal event (unless it goes on
 * elsewhere), its pending tools are withdrawn and the session's run lock is released. The
 * caller must already hold the run lock (or the claimed lease). Only the registration may
 * throw (the run then goes on unregistered).
 */
// eslint-disable-next-line max-lines-per-function -- 223 lines (about 15 steps of a run's start in one closure): to be split by concern
export async function startChatRun(options: StartChatRunOptions): Promise<StartOutcome> {
  const { config, stores, session, body, allowedModels, run, registration } = options;
  try {
    const runtime = await config.buildChatRuntime({
      session,
      request: body,
      channel: channelOf(body.context),
    });
    const refused = refusedModel(config, allowedModels, runtime.model, body.model ?? undefined);
    if (refused !== undefined) return { status: 'modelNotAllowed', model: refused.model };
    const model = runtime.model ?? body.model ?? config.defaultModel;
    const { runId, sessionId } = run;
    const { continuation, resumption, slot, threadLock } = options;
    /** The write of the run's end and messages, once its runner returned or threw. */
    let ended: Promise<void> | undefined;
    const report = registration.report;
    const { logger } = config;
    // With a database, the run is recorded before anything starts (503 when it cannot be).
    const recording = await startRunRecording({
      database: config.database,
      session,
      runId,
      model,
      request: body,
      continued: continuation !== undefined || resumption !== undefined,
      report,
      onInboxChange: (change) => publishInboxChange(stores.bus, change, report),
    });
    const eventLog = run.openLog(continuation?.afterSeq ?? resumption?.afterSeq ?? 0);
    if (recording !== undefined) {
      // The record's start goes out once the run has answered for a while (or when it is
      // needed): a short run writes its record once, at its end.
      const stopWatching = eventLog.onAppend(() => {
        stopWatching();
        recording.writeStartLater();
      });
    }
    const transcript =
      config.transcriptDir === undefined ? undefined : openTranscript(config.transcriptDir, sessionId);
    if (continuation === undefined && resumption === undefined) {
      transcript?.write({ type: 'chat_request', messages: body.messages, context: body.context });
    }
    const detachObservers = attachRunObservers(eventLog, sessionId, config, transcript, report);
    const suspender = createSuspenderOf({ config, stores, run, session, body, model, recording, report });
    const emit = (event: GatewayEvent): void => {
      suspender?.observe(event);
      eventLog.append(event);
    };
    if (continuation !== undefined) {
      // Followers see why the stream paused and that what follows continues the same run; like
      // a retried model turn, any partial answer of the interrupted turn is superseded.
      emit({
        type: 'stream_retry',
        attempt: continuation.epoch - 1,
        error:
          'The gateway instance running this chat stopped; another instance continues it from its ' +
          (continuation.checkpoint === undefined ? 'start.' : 'last completed step.'),
      });
    }
    const { requestApproval, requestClientToolResult, forgetAnswered } = createClientAnswerRequests({
      stores,
      sessionId,
      runId,
      emit,
      slot,
      approvalTimeoutMs: config.approvalTimeoutMs,
      clientToolTimeoutMs: config.clientToolTimeoutMs,
      recordApprovals: recording?.recordApprovals.bind(recording),
      answered: resumption?.answers ?? continuation?.answers,
      onWaiting:
        recording === undefined
          ? undefined
          : (toolCallId: string) => {
              // A run that waits for a person is recorded now: an answer, from any instance, refers to it.
              recording.writeStart();
              return suspender?.waiting(toolCallId) ?? (() => undefined);
            },
    });
    const sharing = await shareRun({
      stores,
      runId,
      session,
      eventLog,
      run,
      ...(options.shared === undefined ? {} : { shared: options.shared }),
      request: { ...body },
      ...(continuation === undefined ? {} : { takenOverAtEpoch: continuation.epoch }),
      report,
    }).catch(async (error: unknown) => {
      detachObservers();
      await transcript?.close();
      throw error;
    });

    const context: RequestContext = {
      session,
      eventLog,
      signal: run.signal,
      requestApproval,
      requestClientToolResult,
      approvedToolTypes: new Set(session.approvedToolTypes),
      ...checkpointSinkOf(sharing?.saveCheckpoint, suspender, forgetAnswered),
      ...(body.clientTools === undefined ? {} : { clientTools: body.clientTools }),
    };

    // Steering messages sent through another instance (a local one pushes to the run's queue).
    const steerSubscription =
      options.shared === undefined ? undefined : subscribeSteering(stores, run, report);

    const release = async (): Promise<void> => {
      run.steering.close();
      await (
        await steerSubscription
      )?.();
      // A run that moved elsewhere before its first event still gets its start written (once).
      recording?.writeStart();
      suspender?.stop();
      eventLog.close();
      detachObservers();
      // A run that moved to another instance leaves the session's lock and parked calls alone:
      // they belong to the run, which goes on there. Checked before the lease ends: an instance
      // cut off while another took the run over must not free the session or withdraw the
      // calls of the run that goes on there.
      // The thread is let go before the session: the session's next message finds both free.
      // Shared, it is held until the run's messages are written: another instance reads the
      // thread from the database, and would miss them.
      if (run.goesOnElsewhere) threadLock?.standDown();
      else if (sharing !== undefined && ended !== undefined) threadLock?.releaseAfter(ended);
      else await threadLock?.release();
      // Shared: the check and the session's release are one step of the sharing (fewer round trips).
      if (!run.goesOnElsewhere) await sharing?.freeSession();
      const owner = !run.goesOnElsewhere && sharing === undefined;
      if (run.goesOnElsewhere) slot.standDown();
      const cleanups: Array<Promise<void> | undefined> = run.goesOnElsewhere
        ? [sharing?.standDown(), transcript?.close()]
        : [
            slot.release(),
            sharing?.release(),
            transcript?.close(),
            owner ? stores.pendingTools.deleteWaitingOfRun(sessionId, runId) : undefined,
            owner ? stores.sessions.releaseRunLock(sessionId) : undefined,
          ];
      await Promise.allSettled(cleanups.map((cleanup) => cleanup ?? Promise.resolve())).then((results) => {
        for (const result of results) if (result.status === 'rejected') report(result.reason, 'run cleanup');
      });
      // Only now, with its lease and lock let go, may a suspension of the run be resumed; an
      // answer that arrived while it was held resumes it here, once this run is done.
      const lifted = await suspender
        ?.released()
        .catch((error: unknown) => report(error, 'releasing the suspended run'));
      const { suspendedRuns } = options;
      if (lifted === true && suspendedRuns !== undefined) {
        void run.done.then(() => suspendedRuns.resumeIfAnswered(runId));
      }
    };

    let runner: ChatRunner;
    try {
      runner = await runtime.createRunner(context);
    } catch (error) {
      // The run never ran: recorded as failed (written off the request path), not left running.
      ended = recording?.finish({ thrown: error, cancelled: false });
      ended?.catch((failure: unknown) => report(failure, 'database'));
      await release();
      throw error;
    }

    const execute = async (signal: AbortSignal): Promise<void> => {
      try {
        const checkpoint = continuation?.checkpoint ?? resumption?.checkpoint;
        const result = await runner.run({
          messages:
            checkpoint?.messages ??
            body.history ??
            body.messages.map((message) => ({
              role: message.role === 'assistant' ? 'assistant' : 'user',
              content: message.content,
            })),
          ...(checkpoint === undefined ? {} : { resume: checkpoint }),
          systemPrompt: runtime.systemPrompt,
          ...(model === undefined ? {} : { model }),
          ...(runtime.maxTurns === undefined ? {} : { maxTurns: runtime.maxTurns }),
          runId,
          endUserId: endUserIdOf(session),
          signal,
          steering: () => run.steering.take(),
        });
        run.steering.close();
        // A run that goes on elsewhere is recorded there, when it ends; a suspended one, when resumed.
        // Not awaited: the session is let go while the end is written (what reads it waits for it).
        if (!run.goesOnElsewhere && !run.suspended) ended = recording?.finish({ result });
        logRunEnd(logger, { runId, sessionId }, result, run.suspended);
      } catch (error) {
        if (!signal.aborted) {
          report(error, 'chat run');
          const told = describeFailureForClient(error);
          logger.error('run failed', { runId, sessionId, code: told.code, error: formatErrorChain(error) });
          emit({ type: 'error', error: told.message, code: told.code });
        }
        if (!run.goesOnElsewhere && !run.suspended) {
          ended = recording?.finish({ thrown: error, cancelled: signal.aborted });
        }
      }
    };

    run.launch({
      execute,
      // Runs are handed over only where they can be taken over: with run leases (checkpoints).
      ...(sharing?.saveCheckpoint === undefined ? {} : { handOver: () => sharing.handOver() }),
      ...(suspender === undefined ? {} : { suspendIfWaiting: () => suspender.suspendNow() }),
      release,
    });
  } catch (error) {
    return { status: 'failed', error };
  }
  await registerRun(run, session.apiKeyHash, registration, options.continuation !== undefined);
  if (body.detached === true) {
    // Nobody has to follow a background run: it counts as followed until it ends.
    const leave = registration.runs.follow(run);
    void run.done.finally(leave);
  }
  return { status: 'started' };
}
