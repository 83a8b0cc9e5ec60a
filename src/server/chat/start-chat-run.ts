import { describeFailureForClient } from '../../agent/describe-failure-for-client.js';
import { formatErrorChain } from '../../agent/format-error-chain.js';
import { silentLogger } from '../../core/logger.js';
import type { RequestApproval } from '../../core/approval.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { GatewayEvent } from '../../core/events.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import { ToolError, type ToolCall, type ToolOutcome } from '../../core/tool.js';
import type { ChatRunner, ChatRuntime, GatewayServerConfig, RequestContext } from '../gateway-config.js';
import type { ChatRunRequest } from '../http/request-schemas.js';
import { awaitClientToolResult } from '../pending-tools/await-client-tool-result.js';
import { createRequestApprovalOverStores } from '../pending-tools/create-request-approval-over-stores.js';
import { attachRunObservers } from './attach-run-observers.js';
import type { ChatRun, ChatRunLifecycle } from './chat-run.js';
import type { RunSlot } from './run-caps.js';
import { openTranscript } from './transcript-writer.js';
import { shareRun, type SharedRunSettings } from './share-run.js';
import { startRunRecording } from '../threads/run-recorder.js';

/**
 * The failure of a run result, when the runner returns `runAgent`'s result shape
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

/** The totals of a finished run for its log line: outcome, turns, tokens and cost. */
function runEndOf(result: unknown): Record<string, unknown> {
  if (typeof result !== 'object' || result === null) return {};
  const usage: unknown = Reflect.get(result, 'usage');
  const number = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
  const field = (name: string): unknown =>
    typeof usage === 'object' && usage !== null ? Reflect.get(usage, name) : undefined;
  return {
    outcome: Reflect.get(result, 'outcome'),
    turns: number(Reflect.get(result, 'turns')),
    inputTokens: number(field('input_tokens')),
    outputTokens: number(field('output_tokens')),
    costUsd: number(field('estimated_cost')),
  };
}

/** Everything `startChatRun` needs. */
export interface StartChatRunOptions {
  config: GatewayServerConfig;
  stores: GatewayStores;
  session: SessionRecord;
  body: ChatRunRequest;
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
  /** The run to start, still `starting` (or already `lost`); its owner gives it up on failure. */
  run: ChatRunLifecycle;
  /**
   * The run's slot under its API key's caps: every call that waits for a client's answer is
   * parked in it, and it is given back when the run ends (or left to the instance it moved to).
   */
  slot: RunSlot;
  /** Set when this instance continues a run another instance started (and died running). */
  continuation?: RunContinuation;
}

/** What a run taken over from another instance continues from. */
export interface RunContinuation {
  /** The lease epoch this instance's claim got. */
  epoch: number;
  /** The last sequence number already in the shared log: this instance writes after it. */
  afterSeq: number;
  /** Where the run stood; undefined when it died before its first checkpoint. */
  checkpoint: RunCheckpoint | undefined;
}

/** How long a client-side tool call waits when `server.clientToolTimeoutMs` is not given. */
export const DEFAULT_TOOL_WAIT_MS = 120_000;

/**
 * Starts one chat run: opens its event log, wires observers, transcript and the
 * human-in-the-loop transports, builds the runner and launches it in the background. Whatever
 * happens, the run ends with exactly one terminal event (unless it goes on elsewhere), its
 * pending tools are withdrawn and the session's run lock is released. The caller must already
 * hold the run lock. When it throws, the run did not launch and stays its caller's to give up.
 */
export async function startChatRun(options: StartChatRunOptions): Promise<ChatRun> {
  const { config, stores, session, body, runtime, report, run, continuation } = options;
  const logger = config.logger ?? silentLogger;
  const { runId, sessionId } = run;
  // With a database, the run is recorded before anything starts (503 when it cannot be).
  const recording = await startRunRecording({
    database: config.threads,
    session,
    runId,
    model: options.model,
    request: body,
    continued: continuation !== undefined,
    report,
  });
  const eventLog = run.openLog(continuation?.afterSeq ?? 0);
  const transcript =
    config.transcriptDir === undefined ? undefined : openTranscript(config.transcriptDir, sessionId);
  if (continuation === undefined) {
    transcript?.write({ type: 'chat_request', messages: body.messages, context: body.context });
  }
  const detachObservers = attachRunObservers(eventLog, sessionId, config, transcript, report);
  const emit = (event: GatewayEvent): void => {
    eventLog.append(event);
  };
  if (continuation !== undefined) {
    // Followers see why the stream paused and that what follows continues the same run; like a
    // retried model turn, any partial answer of the interrupted turn is superseded.
    emit({
      type: 'stream_retry',
      attempt: continuation.epoch - 1,
      error:
        'The gateway instance running this chat stopped; another instance continues it from its ' +
        (continuation.checkpoint === undefined ? 'start.' : 'last completed step.'),
    });
  }

  const { slot } = options;
  const askOverStores = createRequestApprovalOverStores({ stores, sessionId, runId, emit });
  const askApproval = recording?.recordApprovals(askOverStores) ?? askOverStores;
  const requestApproval: RequestApproval = async (request, signal) => {
    const timeoutMs = config.approvalTimeoutMs ?? request.timeoutMs;
    const giveBack = await slot.park(request.toolCallId, timeoutMs);
    try {
      return await askApproval({ ...request, timeoutMs }, signal);
    } finally {
      giveBack();
    }
  };
  const clientToolTimeoutMs = config.clientToolTimeoutMs ?? DEFAULT_TOOL_WAIT_MS;
  const requestClientToolResult = async (call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> => {
    let giveBack: () => void;
    try {
      giveBack = await slot.park(call.id, clientToolTimeoutMs);
    } catch (error) {
      if (error instanceof ToolError) return { ok: false, error: error.toPayload(), server: null };
      throw error;
    }
    try {
      return await waitForClientTool(call, signal);
    } finally {
      giveBack();
    }
  };
  const waitForClientTool = (call: ToolCall, signal: AbortSignal) =>
    awaitClientToolResult({
      stores,
      sessionId,
      runId,
      toolCallId: call.id,
      toolName: call.name,
      timeoutMs: clientToolTimeoutMs,
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
  const sharing = await shareRun({
    ...options,
    runId,
    eventLog,
    request: { ...body },
    ...(continuation === undefined ? {} : { takenOverAtEpoch: continuation.epoch }),
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
    ...(sharing?.saveCheckpoint === undefined ? {} : { onCheckpoint: sharing.saveCheckpoint }),
    ...(body.clientTools === undefined ? {} : { clientTools: body.clientTools }),
  };

  const release = async (): Promise<void> => {
    eventLog.close();
    detachObservers();
    // A run that moved to another instance leaves the session's lock and parked calls alone:
    // they belong to the run, which goes on there. Checked before the lease ends: an instance
    // cut off while another took the run over must not free the session or withdraw the calls
    // of the run that goes on there.
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
  };

  let runner: ChatRunner;
  try {
    runner = await runtime.createRunner(context);
  } catch (error) {
    await release();
    throw error;
  }

  const execute = async (signal: AbortSignal): Promise<void> => {
    try {
      const checkpoint = continuation?.checkpoint;
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
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(runtime.maxTurns === undefined ? {} : { maxTurns: runtime.maxTurns }),
        runId,
        signal,
      });
      // A run that goes on elsewhere is recorded there, when it ends.
      if (!run.goesOnElsewhere) await recording?.finish({ result });
      const failure = failureOf(result);
      if (failure !== undefined)
        logger.error('run failed', { runId, sessionId, ...runEndOf(result), ...failure });
      else logger.info('run finished', { runId, sessionId, ...runEndOf(result) });
    } catch (error) {
      if (!signal.aborted) {
        report(error, 'chat run');
        const told = describeFailureForClient(error);
        logger.error('run failed', { runId, sessionId, code: told.code, error: formatErrorChain(error) });
        emit({ type: 'error', error: told.message, code: told.code });
      }
      if (!run.goesOnElsewhere) await recording?.finish({ thrown: error, cancelled: signal.aborted });
    }
  };

  run.launch({
    execute,
    // Runs are handed over only where they can be taken over: with run leases (checkpoints).
    ...(sharing?.saveCheckpoint === undefined ? {} : { handOver: () => sharing.handOver() }),
    release,
  });
  return run;
}
