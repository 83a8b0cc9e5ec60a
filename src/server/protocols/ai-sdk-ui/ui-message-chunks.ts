/**
 * The AI SDK 6 UI message stream chunks the gateway emits (`x-vercel-ai-ui-message-stream: v1`).
 *
 * Our own types, written from `ai@6`'s `uiMessageChunkSchema`, so that `ai` stays a dev
 * dependency. Only chunks every v6 client accepts appear here: the client validates each chunk
 * against a closed union and throws on an unknown `type` (v7-only chunks such as `reset-step`
 * would kill it). Extra fields are allowed by the client but none are sent.
 */

/** Why the response ended, as the AI SDK names it (`finish.finishReason`). */
export type UiFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

/** Token totals and estimated cost of a run, sent in `finish.messageMetadata.usage`. */
export interface UiMessageUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  /** US dollars, rounded to 4 decimal places. */
  estimatedCost: number;
}

/** Metadata the gateway attaches to the assistant message (on `finish`). */
export interface UiMessageMetadata {
  usage?: UiMessageUsage;
}

/** Opens the assistant message; the same `messageId` again continues it (after an approval). */
export interface UiStartChunk {
  type: 'start';
  messageId: string;
  messageMetadata?: UiMessageMetadata;
}

/** One model call: the client records a `step-start` part. */
export interface UiStartStepChunk {
  type: 'start-step';
}

/** Ends a model call; the client forgets its open text and reasoning blocks. */
export interface UiFinishStepChunk {
  type: 'finish-step';
}

/** Opens, extends or closes a text block (`id` unique within the message). */
export type UiTextChunk =
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string };

/** Opens, extends or closes a reasoning block (`id` unique within the message). */
export type UiReasoningChunk =
  | { type: 'reasoning-start'; id: string }
  | { type: 'reasoning-delta'; id: string; delta: string }
  | { type: 'reasoning-end'; id: string };

/**
 * What the gateway attaches to a tool call (AI SDK 6 `toolMetadata`): the client keeps it on
 * the tool part and sends it back in the next requests. A later chunk's `toolMetadata`
 * replaces the part's whole.
 */
export interface UiToolMetadata {
  /** Client-side tools: the nonce the answer must carry (`nonce` of `/chat/tool-result`). */
  nonce?: string;
  /** Client-side tools: unix seconds after which the answer is refused. */
  expiresAt?: number;
  /**
   * The gateway's signature of the call (on the input chunks) or of the call with its outcome
   * (on the output chunks): without it the part is refused in a later request's history.
   */
  gatewaySignature?: string;
}

/** A tool call appears (input not yet known). `dynamic` makes it a `dynamic-tool` part. */
export interface UiToolInputStartChunk {
  type: 'tool-input-start';
  toolCallId: string;
  toolName: string;
  dynamic?: boolean;
  toolMetadata?: UiToolMetadata;
}

/** The complete input of a tool call; for a client-side tool the browser runs it now. */
export interface UiToolInputAvailableChunk {
  type: 'tool-input-available';
  toolCallId: string;
  toolName: string;
  input: unknown;
  dynamic?: boolean;
  toolMetadata?: UiToolMetadata;
}

/** The tool call waits for the user's decision (AI SDK 6 `addToolApprovalResponse`). */
export interface UiToolApprovalRequestChunk {
  type: 'tool-approval-request';
  approvalId: string;
  toolCallId: string;
}

/** The tool's output; `preliminary` outputs are replaced by the next one. */
export interface UiToolOutputAvailableChunk {
  type: 'tool-output-available';
  toolCallId: string;
  output: unknown;
  preliminary?: boolean;
  dynamic?: boolean;
  toolMetadata?: UiToolMetadata;
}

/** The tool call failed; the model read the error (a tool part state, not a stream error). */
export interface UiToolOutputErrorChunk {
  type: 'tool-output-error';
  toolCallId: string;
  errorText: string;
  dynamic?: boolean;
  toolMetadata?: UiToolMetadata;
}

/** The user denied the tool call. */
export interface UiToolOutputDeniedChunk {
  type: 'tool-output-denied';
  toolCallId: string;
}

/** An application data chunk; `transient` ones reach `onData` only and are never stored. */
export interface UiDataChunk {
  type: `data-${string}`;
  id?: string;
  data: unknown;
  transient?: boolean;
}

/** Ends the response (not necessarily the message: `tool-calls` awaits the client). */
export interface UiFinishChunk {
  type: 'finish';
  finishReason: UiFinishReason;
  messageMetadata?: UiMessageMetadata;
}

/** The run was cancelled. */
export interface UiAbortChunk {
  type: 'abort';
  reason?: string;
}

/** Terminal failure: the client rethrows `errorText` and its status becomes `error`. */
export interface UiErrorChunk {
  type: 'error';
  errorText: string;
}

/** Every chunk the gateway may put on a UI message stream, discriminated on `type`. */
export type UiMessageChunk =
  | UiStartChunk
  | UiStartStepChunk
  | UiFinishStepChunk
  | UiTextChunk
  | UiReasoningChunk
  | UiToolInputStartChunk
  | UiToolInputAvailableChunk
  | UiToolApprovalRequestChunk
  | UiToolOutputAvailableChunk
  | UiToolOutputErrorChunk
  | UiToolOutputDeniedChunk
  | UiDataChunk
  | UiFinishChunk
  | UiAbortChunk
  | UiErrorChunk;
