import type { RequestContext } from '../contracts/gateway-config.js';
import type { RunRecording } from '../threads/run-recorder.js';
import type { RunSuspender } from '../pending-answers/run-suspender.js';
import { checkpointSinkOf } from '../pending-answers/suspender-of.js';
import { runApprovedOnceOf } from '../pending-answers/run-approved-once.js';
import type { ChatRunParts } from './chat-run-parts.js';
import {
  createClientAnswerRequests,
  type ClientAnswerRequests,
  type ClientAnswerRequestsOptions,
} from './client-answer-requests.js';
import type { GatewayEvent } from '../../core/events.js';
import type { StartChatRunOptions } from './start-chat-run-options.js';
import { approvalTimeoutMsOf } from '../contracts/approval-timeout.js';

/**
 * How the starting run asks its client (approvals, client-side tools): each question parked in
 * the run's slot, answered at once from the answers a resumed or continued run was given. With
 * a record, a run that waits for a person is recorded at once (an answer, from any instance,
 * refers to it), and its suspender watches the wait. Most runs ask nothing: without answers
 * given beforehand, the requests are made at the first question, not per chat.
 */
export function answerRequestsOf(
  options: StartChatRunOptions,
  emit: (event: GatewayEvent) => void,
  recording: RunRecording | undefined,
  suspender: RunSuspender | undefined,
): ClientAnswerRequests {
  const answered = options.resumption?.answers ?? options.continuation?.answers;
  if (answered !== undefined) return clientAnswerRequestsOf(options, emit, recording, suspender, answered);
  let made: ClientAnswerRequests | undefined;
  const requests = (): ClientAnswerRequests =>
    (made ??= clientAnswerRequestsOf(options, emit, recording, suspender, undefined));
  return {
    requestApproval: (request, signal) => requests().requestApproval(request, signal),
    requestClientToolResult: (call, signal) => requests().requestClientToolResult(call, signal),
    forgetAnswered: undefined,
  };
}

/** `answerRequestsOf`'s requests, made. */
function clientAnswerRequestsOf(
  options: StartChatRunOptions,
  emit: (event: GatewayEvent) => void,
  recording: RunRecording | undefined,
  suspender: RunSuspender | undefined,
  answered: ClientAnswerRequestsOptions['answered'],
): ClientAnswerRequests {
  const { config, run } = options;
  return createClientAnswerRequests({
    stores: options.stores,
    sessionId: run.sessionId,
    runId: run.runId,
    emit,
    slot: options.slot,
    approvalTimeoutMs: approvalTimeoutMsOf(config.approvalTimeoutMs, config.database?.configured === true),
    clientToolTimeoutMs: config.clientToolTimeoutMs,
    recordApprovals: recording?.recordApprovals.bind(recording),
    recordClientToolCall: recording?.recordClientToolCall.bind(recording),
    settleClientToolCall: recording?.settleClientToolCall.bind(recording),
    answered,
    onWaiting:
      recording === undefined
        ? undefined
        : (toolCallId: string) => {
            recording.writeStart();
            return suspender?.waiting(toolCallId) ?? (() => undefined);
          },
  });
}

/**
 * What the server lends the runner it asks the runtime to build: the run's log and signal, its
 * questions to the client, the session's "always allow" keys, where its checkpoints go, and the
 * client-side tools the request offers.
 */
export function requestContextOf(parts: ChatRunParts, answers: ClientAnswerRequests): RequestContext {
  const { session, body } = parts.options;
  const context: RequestContext = {
    session,
    eventLog: parts.eventLog,
    signal: parts.run.signal,
    requestApproval: answers.requestApproval,
    requestClientToolResult: answers.requestClientToolResult,
    approvedToolTypes: new Set(session.approvedToolTypes),
  };
  const { onCheckpoint } = checkpointSinkOf(
    parts.sharing?.saveCheckpoint,
    parts.suspender,
    answers.forgetAnswered,
  );
  if (onCheckpoint !== undefined) context.onCheckpoint = onCheckpoint;
  if (body.clientTools !== undefined) context.clientTools = body.clientTools;
  const { config } = parts.options;
  const runApprovedOnce = runApprovedOnceOf({ config, runId: parts.run.runId, report: parts.report });
  if (runApprovedOnce !== undefined) context.runApprovedOnce = runApprovedOnce;
  return context;
}
