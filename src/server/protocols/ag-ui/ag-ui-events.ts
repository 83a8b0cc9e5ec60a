/**
 * The AG-UI 1.0 events the gateway emits, written from `@ag-ui/core` 1.0.0 so that the package
 * stays a dev dependency (its `HttpAgent` is the conformance oracle of the tests). Every event
 * is one JSON object in one SSE `data:` line.
 */

/** Token counts of a run (`RUN_FINISHED.usage`). */
export interface AgUiTokenUsage {
  model?: string;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens: number;
}

/** A question the run waits on (`RUN_FINISHED.outcome.interrupts[]`): one tool approval. */
export interface AgUiInterrupt {
  /** The approval's nonce: answered by `resume[{interruptId}]`. */
  id: string;
  reason: 'tool_call';
  toolCallId: string;
  message: string;
  responseSchema: Record<string, unknown>;
  /** ISO 8601 time after which the answer is refused. */
  expiresAt: string;
  metadata: Record<string, unknown>;
}

/**
 * What the gateway attaches to a tool call (`TOOL_CALL_START`) and to a tool message
 * (`TOOL_CALL_RESULT`) as event `metadata`, which the client merges into the call's or the
 * message's own `metadata` and sends back with the thread.
 */
export interface AgUiToolMetadata {
  /**
   * The gateway's signature of the call, or of the call with its result: without it the call's
   * result is refused in a later run's thread.
   */
  gatewaySignature: string;
}

/** How a response ended (`RUN_FINISHED.outcome`). */
export type AgUiOutcome =
  | { type: 'success'; pendingToolCallIds?: string[] }
  | { type: 'interrupt'; interrupts: AgUiInterrupt[] }
  | { type: 'cancelled' };

/** One message of a `MESSAGES_SNAPSHOT`, in the shape the client keeps its thread in. */
export type AgUiSnapshotMessage =
  | { id: string; role: 'user'; content: string }
  | {
      id: string;
      role: 'assistant';
      content?: string;
      toolCalls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
    }
  | { id: string; role: 'tool'; toolCallId: string; content: string; error?: string }
  | { id: string; role: 'reasoning'; content: string };

/** Every event the gateway may send on `POST /ag-ui`, discriminated on `type`. */
export type AgUiEvent =
  | { type: 'RUN_STARTED'; threadId: string; runId: string }
  | {
      type: 'RUN_FINISHED';
      threadId: string;
      runId: string;
      outcome: AgUiOutcome;
      usage?: AgUiTokenUsage[];
      metadata?: Record<string, unknown>;
    }
  | { type: 'RUN_ERROR'; message: string; code?: string }
  | { type: 'MESSAGES_SNAPSHOT'; messages: readonly unknown[] }
  | { type: 'TEXT_MESSAGE_START'; messageId: string; role: 'assistant' }
  | { type: 'TEXT_MESSAGE_CONTENT'; messageId: string; delta: string }
  | { type: 'TEXT_MESSAGE_END'; messageId: string }
  | { type: 'REASONING_START'; messageId: string }
  | { type: 'REASONING_MESSAGE_START'; messageId: string; role: 'reasoning' }
  | { type: 'REASONING_MESSAGE_CONTENT'; messageId: string; delta: string }
  | { type: 'REASONING_MESSAGE_END'; messageId: string }
  | { type: 'REASONING_END'; messageId: string }
  | { type: 'TOOL_CALL_START'; toolCallId: string; toolCallName: string; metadata?: AgUiToolMetadata }
  | { type: 'TOOL_CALL_ARGS'; toolCallId: string; delta: string }
  | { type: 'TOOL_CALL_END'; toolCallId: string }
  | {
      type: 'TOOL_CALL_RESULT';
      messageId: string;
      toolCallId: string;
      content: string;
      role: 'tool';
      metadata?: AgUiToolMetadata;
    }
  | { type: 'SUBAGENT_STARTED'; subagentRunId: string; name: string; parentToolCallId: string }
  | { type: 'SUBAGENT_FINISHED'; subagentRunId: string; outcome: { type: 'success' }; result?: unknown }
  | { type: 'SUBAGENT_ERROR'; subagentRunId: string; message: string; code?: string }
  | { type: 'CUSTOM'; name: string; value: unknown };
