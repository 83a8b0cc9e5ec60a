import { randomBytes } from 'node:crypto';
import { BusChannel, type ClientToolResultMessage, type GatewayStores } from '../../core/stores.js';
import type { ToolErrorPayload, ToolOutcome } from '../../core/tool.js';
import { parseClientToolResultMessage } from './bus-message-parsers.js';
import { waitForPendingAnswer } from './wait-for-pending-answer.js';

/** What the client must be told before it can answer a client-side tool call. */
export interface ClientToolAnnouncement {
  /** 16 hex characters the client echoes on `/chat/tool-result`. */
  nonce: string;
  /** Unix seconds after which the result is refused with 410. */
  expiresAt: number;
}

/** Options of `awaitClientToolResult`. */
export interface AwaitClientToolResultOptions {
  stores: Pick<GatewayStores, 'pendingAnswers' | 'bus'>;
  sessionId: string;
  /** The run that waits: its pending answer is kept under (session, run, tool call id). */
  runId: string;
  toolCallId: string;
  toolName: string;
  /** How long the client has to answer. */
  timeoutMs: number;
  /** Cancels the wait (the run was cancelled); resolves a `cancelled` outcome. */
  signal: AbortSignal;
  /**
   * Tells the client about the call. The caller emits `tool_call_start` here with
   * `execution_location: "client"`, `nonce` and `expires_at`; it runs after the pending answer is
   * stored and subscribed, so the client can answer at once.
   */
  announce: (announcement: ClientToolAnnouncement) => void | Promise<void>;
  /** Clock in milliseconds since the epoch; `Date.now` unless given. */
  now?: () => number;
  /** Told of the answer as it came, before it becomes the outcome (who gave it, from the inbox). */
  onAnswer?: ((message: ClientToolResultMessage) => void) | undefined;
}

function toToolError(error: Record<string, unknown>): ToolErrorPayload {
  const code = typeof error['code'] === 'string' ? error['code'] : 'client_tool_error';
  const message = typeof error['message'] === 'string' ? error['message'] : JSON.stringify(error);
  const subCode = error['sub_code'];
  return typeof subCode === 'string' ? { code, message, sub_code: subCode } : { code, message };
}

/** The outcome a client's `{result, error}` stands for (a non-null `error` is a failure). */
export function clientToolOutcome(message: ClientToolResultMessage): ToolOutcome {
  if (message.error !== null) return { ok: false, error: toToolError(message.error), server: null };
  return { ok: true, result: message.result, server: null };
}

/**
 * Stores a client-side tool call as a pending answer and waits for the client's
 * `POST /chat/tool-result`, delivered over the bus from whichever instance received it.
 * The client's `{result, error}` becomes the outcome (a non-null `error` is a failure the model
 * reads); silence until `timeoutMs` is a `tool_timeout` failure and an abort a `cancelled` one,
 * so the run always continues. The subscription is always removed, and so is the record of an
 * unanswered call; an answered one is left as a tombstone (see `PendingAnswerStore`).
 */
export async function awaitClientToolResult(options: AwaitClientToolResultOptions): Promise<ToolOutcome> {
  const { stores, sessionId, runId, toolCallId, toolName, timeoutMs, signal } = options;
  const key = { sessionId, runId, toolCallId };
  const cancelled: ToolOutcome = {
    ok: false,
    error: { code: 'cancelled', message: 'Task was cancelled' },
    server: null,
  };
  if (signal.aborted) return cancelled;
  const requestedAtMs = (options.now ?? Date.now)();
  const nonce = randomBytes(8).toString('hex');
  const expiresAt = (requestedAtMs + timeoutMs) / 1000;
  const message = await waitForPendingAnswer({
    stores,
    record: {
      ...key,
      kind: 'client_tool',
      nonce,
      requestedAt: requestedAtMs / 1000,
      expiresAt,
      status: 'pending',
      toolName,
    },
    channel: BusChannel.clientToolResult(key),
    parse: parseClientToolResultMessage,
    announce: () => options.announce({ nonce, expiresAt }),
    timeoutMs,
    signal,
  });
  if (message !== null) {
    options.onAnswer?.(message);
    return clientToolOutcome(message);
  }
  if (signal.aborted) return cancelled;
  return {
    ok: false,
    error: {
      code: 'tool_timeout',
      sub_code: 'client_timeout',
      message: `Client did not return a result for tool '${toolName}' within ${timeoutMs / 1000}s`,
    },
    server: null,
  };
}
