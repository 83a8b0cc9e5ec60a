import type { RequestApproval } from '../../core/approval.js';
import type { GatewayEvent } from '../../core/events.js';
import type { GatewayStores } from '../../core/stores.js';
import { ToolError, type ToolCall, type ToolOutcome } from '../../core/tool.js';
import { awaitClientToolResult } from '../pending-tools/await-client-tool-result.js';
import { createRequestApprovalOverStores } from '../pending-tools/create-request-approval-over-stores.js';
import type { RunSlot } from './run-caps.js';

/** Options of `createClientAnswerRequests`. */
export interface ClientAnswerRequestsOptions {
  stores: GatewayStores;
  sessionId: string;
  runId: string;
  /** Appends an event to the run's log (the question the client answers). */
  emit: (event: GatewayEvent) => void;
  /** The run's slot under its API key's caps: every question is parked in it while it waits. */
  slot: RunSlot;
  /** When set, the wait of every approval, whatever the tool asked for. */
  approvalTimeoutMs: number | undefined;
  /** How long a client-side tool call waits for its result. */
  clientToolTimeoutMs: number;
  /** Wraps the approval requests (the run's recording of every decision, with a database). */
  recordApprovals?: ((requestApproval: RequestApproval) => RequestApproval) | undefined;
}

/** How a run asks its client: for an approval, and for a client-side tool's result. */
export interface ClientAnswerRequests {
  requestApproval: RequestApproval;
  requestClientToolResult: (call: ToolCall, signal: AbortSignal) => Promise<ToolOutcome>;
}

/**
 * The run's questions to its client, over the stores and the message bus (so that any instance
 * may receive the answer), each parked in the run's slot while it waits. A call refused by the
 * caps on parked calls becomes the tool's error result, which the model reads.
 */
export function createClientAnswerRequests(options: ClientAnswerRequestsOptions): ClientAnswerRequests {
  const { stores, sessionId, runId, emit, slot, clientToolTimeoutMs } = options;
  const askOverStores = createRequestApprovalOverStores({ stores, sessionId, runId, emit });
  const askApproval = options.recordApprovals?.(askOverStores) ?? askOverStores;
  const requestApproval: RequestApproval = async (request, signal) => {
    const timeoutMs = options.approvalTimeoutMs ?? request.timeoutMs;
    const giveBack = await slot.park(request.toolCallId, timeoutMs);
    try {
      return await askApproval({ ...request, timeoutMs }, signal);
    } finally {
      giveBack();
    }
  };
  const waitForClientTool = (call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> =>
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
  return { requestApproval, requestClientToolResult };
}
