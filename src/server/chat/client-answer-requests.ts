import type { ApprovalAnswerer, RequestApproval } from '../../core/approval.js';
import type { GatewayEvent } from '../../core/events.js';
import type { GatewayStores } from '../../core/stores.js';
import { ToolError, type ToolCall, type ToolOutcome } from '../../core/tool.js';
import type { JsonValue } from '../../core/thread-store.js';
import { awaitClientToolResult, clientToolOutcome } from '../pending-answers/await-client-tool-result.js';
import { parseClientToolResultMessage } from '../pending-answers/bus-message-parsers.js';
import type { InboxCall } from '../threads/inbox-entry.js';
import type { SettleClientToolCall } from '../threads/record-in-inbox.js';
import type { RunSlot } from './run-caps.js';
import { recallOrAskApproval } from './recall-or-ask-approval.js';

/** Options of `createClientAnswerRequests`. */
export interface ClientAnswerRequestsOptions {
  stores: GatewayStores;
  sessionId: string;
  runId: string;
  /** Appends an event to the run's log (the question the client answers). */
  emit: (event: GatewayEvent) => void;
  /** The run's slot under its API key's caps: every question is counted in it while it waits. */
  slot: RunSlot;
  /** When set, the wait of every approval, whatever the tool asked for. */
  approvalTimeoutMs: number | undefined;
  /** How long a client-side tool call waits for its result. */
  clientToolTimeoutMs: number;
  /** Wraps the approval requests (the run's recording of every decision, with a database). */
  recordApprovals?: ((requestApproval: RequestApproval) => RequestApproval) | undefined;
  /**
   * Lists a client-side tool's call in the approvals inbox before it is announced; the function
   * it resolves is told how the wait ended (with a database).
   */
  recordClientToolCall?: ((call: InboxCall) => Promise<SettleClientToolCall>) | undefined;
  /** Settles the inbox entry of a call found in `answered` (answered while the run was suspended). */
  settleClientToolCall?: ((toolCallId: string) => SettleClientToolCall) | undefined;
  /**
   * Answers given while the run was suspended, or acknowledged before it moved to this
   * instance, by tool call id (`null`: the call timed out): a call found here is answered at
   * once, without asking again, and only once.
   */
  answered?: ReadonlyMap<string, JsonValue | null> | undefined;
  /**
   * Told when a call starts waiting for its client; the function it returns is told how the
   * wait ended (the answer as stored JSON, or undefined when there was none).
   */
  onWaiting?: ((toolCallId: string) => (answer: JsonValue | undefined) => void) | undefined;
}

/** How a run asks its client: for an approval, and for a client-side tool's result. */
export interface ClientAnswerRequests {
  requestApproval: RequestApproval;
  requestClientToolResult: (call: ToolCall, signal: AbortSignal) => Promise<ToolOutcome>;
  /**
   * Drops the `answered` answers not used yet, once the calls they were given for are settled;
   * undefined when none was given.
   */
  forgetAnswered: (() => void) | undefined;
}

/**
 * The run's questions to its client, over the stores and the message bus (so that any instance
 * may receive the answer), each counted in the run's slot while it waits. A call refused by the
 * caps on pending answers becomes the tool's error result, which the model reads.
 */
export function createClientAnswerRequests(options: ClientAnswerRequestsOptions): ClientAnswerRequests {
  const { stores, sessionId, runId, emit, slot, clientToolTimeoutMs } = options;
  const { onWaiting } = options;
  // A copy: each answer is taken by the first request for its call.
  const answered = options.answered === undefined ? undefined : new Map(options.answered);
  const take = (toolCallId: string): JsonValue | null | undefined => {
    const answer = answered?.get(toolCallId);
    answered?.delete(toolCallId);
    return answer;
  };
  /** How approvals are asked (and recorded), made at the first: most runs never ask one. */
  let asker: RequestApproval | undefined;
  const approvalAsker = (): RequestApproval => {
    if (asker !== undefined) return asker;
    const recallOrAsk = recallOrAskApproval({ stores, sessionId, runId, emit, answered });
    asker = options.recordApprovals?.(recallOrAsk) ?? recallOrAsk;
    return asker;
  };
  const requestApproval: RequestApproval = async (request, signal) => {
    const timeoutMs = options.approvalTimeoutMs ?? request.timeoutMs;
    const askApproval = approvalAsker();
    if (answered?.has(request.toolCallId) === true) return askApproval({ ...request, timeoutMs }, signal);
    const giveBack = await slot.countPendingAnswer(request.toolCallId, timeoutMs);
    const ended = onWaiting?.(request.toolCallId);
    let decision: Awaited<ReturnType<RequestApproval>> = null;
    try {
      decision = await askApproval({ ...request, timeoutMs }, signal);
      return decision;
    } finally {
      ended?.(
        decision === null
          ? undefined
          : { approved: decision.approved, allowToolType: decision.allowToolType === true },
      );
      giveBack();
    }
  };
  const waitForClientTool = async (call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> => {
    let settleInInbox: SettleClientToolCall | undefined;
    let answeredBy: ApprovalAnswerer | undefined;
    const outcome = await awaitClientToolResult({
      stores,
      sessionId,
      runId,
      toolCallId: call.id,
      toolName: call.name,
      timeoutMs: clientToolTimeoutMs,
      signal,
      onAnswer: (message) => {
        answeredBy = message.answeredBy;
      },
      announce: async ({ nonce, expiresAt }) => {
        settleInInbox = await options.recordClientToolCall?.({
          toolCallId: call.id,
          toolName: call.name,
          toolInput: call.input,
          nonce,
          timeoutMs: clientToolTimeoutMs,
        });
        emit({
          type: 'tool_call_start',
          tool_call_id: call.id,
          tool_name: call.name,
          tool_input: call.input,
          execution_location: 'client',
          call_index: call.callIndex,
          nonce,
          expires_at: expiresAt,
        });
      },
    });
    if (!signal.aborted) await settleInInbox?.(clientToolMessageOf(outcome) !== undefined, answeredBy);
    return outcome;
  };
  const requestClientToolResult = async (call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> => {
    if (answered?.has(call.id) === true) {
      const message = parseClientToolResultMessage(take(call.id));
      await options.settleClientToolCall?.(call.id)(message !== undefined, message?.answeredBy);
      return message === undefined ? clientToolTimeout(call.name) : clientToolOutcome(message);
    }
    let giveBack: () => void;
    try {
      giveBack = await slot.countPendingAnswer(call.id, clientToolTimeoutMs);
    } catch (error) {
      if (error instanceof ToolError) return { ok: false, error: error.toPayload(), server: null };
      throw error;
    }
    const ended = onWaiting?.(call.id);
    let outcome: ToolOutcome | undefined;
    try {
      outcome = await waitForClientTool(call, signal);
      return outcome;
    } finally {
      ended?.(outcome === undefined || signal.aborted ? undefined : clientToolMessageOf(outcome));
      giveBack();
    }
  };
  const forgetAnswered = answered === undefined ? undefined : () => answered.clear();
  return { requestApproval, requestClientToolResult, forgetAnswered };
}

/** A client tool the suspended run's expiry answered: the failure the model reads. */
const clientToolTimeout = (toolName: string): ToolOutcome => ({
  ok: false,
  error: {
    code: 'tool_timeout',
    sub_code: 'client_timeout',
    message: `Client did not return a result for tool '${toolName}' before the run's wait expired`,
  },
  server: null,
});

/** The client's `{result, error}` an outcome came from (stored when the run is suspended). */
const clientToolMessageOf = (outcome: ToolOutcome): JsonValue | undefined => {
  // Timeouts and cancels are not answers: nothing came from the client.
  if (!outcome.ok && (outcome.error.code === 'tool_timeout' || outcome.error.code === 'cancelled'))
    return undefined;
  return JSON.parse(
    JSON.stringify(
      outcome.ok ? { result: outcome.result, error: null } : { result: null, error: outcome.error },
    ),
  ) as JsonValue;
};
