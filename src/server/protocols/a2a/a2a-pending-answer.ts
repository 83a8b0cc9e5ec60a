import type { Part } from '@a2a-js/sdk';
import type { GatewayEvent } from '../../../core/events.js';
import { waitsForClient } from '../held-runs.js';
import { dataPart } from './a2a-agent-parts.js';

/** What a task waits for: a call whose answer the client gives in a follow-up message. */
export interface A2aPendingAnswer {
  /** `approval`: a tool call awaiting a human's decision; `client_tool`: a tool the client runs. */
  kind: 'approval' | 'client_tool';
  toolCallId: string;
  nonce: string;
  toolName: string;
  input: Record<string, unknown>;
  /** Unix seconds after which the answer is refused. */
  expiresAt: number | undefined;
}

/**
 * The data part that asks the client for an answer, with what it must send back. It never
 * carries the call's nonce: a task is read by GetTask, ListTasks and push notifications too, and
 * the nonce is a capability of the session whose run asked. An answer in the task is checked
 * against the task's owner and the stored call instead.
 */
export function pendingAnswerPart(call: A2aPendingAnswer): Part {
  return dataPart({
    type: call.kind === 'approval' ? 'tool_approval_request' : 'client_tool_request',
    tool_call_id: call.toolCallId,
    tool_name: call.toolName,
    tool_input: call.input,
    ...(call.expiresAt === undefined ? {} : { expires_at: call.expiresAt }),
    answer_with:
      call.kind === 'approval'
        ? { tool_call_id: call.toolCallId, approved: 'true | false' }
        : { tool_call_id: call.toolCallId, result: '{...} (or error: {...})' },
  });
}

/** What `event` asks the client to answer, if anything: an approval, or a tool the client runs. */
export const pendingAnswerOf = (event: GatewayEvent): A2aPendingAnswer | undefined => {
  if (event.type === 'tool_approval_request') {
    return {
      kind: 'approval',
      toolCallId: event.tool_call_id,
      nonce: event.nonce,
      toolName: event.tool_name,
      input: event.tool_input,
      expiresAt: event.expires_at,
    };
  }
  if (event.type === 'tool_call_start' && waitsForClient(event)) {
    return {
      kind: 'client_tool',
      toolCallId: event.tool_call_id,
      nonce: event.nonce ?? '',
      toolName: event.tool_name,
      input: event.tool_input,
      expiresAt: event.expires_at,
    };
  }
  return undefined;
};
