import type { GatewayEvent } from '../../../core/events.js';
import type { AnnouncedToolCall, SessionToolSignatures } from '../tool-history-signatures.js';
import { dispatchEvent } from '../event-handlers.js';
import type { AgUiEvent } from './ag-ui-events.js';
import { AgUiEncoding } from './ag-ui-encoding.js';
import { agUiEventHandlers } from './ag-ui-event-handlers.js';

/** Options of `createAgUiEncoder`. */
export interface AgUiEncoderOptions {
  threadId: string;
  /** The AG-UI run id of this response (the client's `RunAgentInput.runId`). */
  runId: string;
  /** The model, for `RUN_FINISHED.usage`. */
  model?: string;
  /**
   * Whether the run still waits on the client for this call (approval or frontend tool); the
   * response then ends there. Default: always.
   */
  hasPendingAnswer?: (toolCallId: string) => boolean;
  /**
   * Set when this response continues a run after the client answered: calls the client
   * already knows (not announced again; their results are sent) and those whose result the
   * client itself supplied (frontend tools: no `TOOL_CALL_RESULT` echoes its own answer).
   * `calls` are the run's calls as its log has them, so that their results can be signed.
   */
  continuation?: {
    knownToolCallIds: Iterable<string>;
    answeredByClient: Iterable<string>;
    calls?: Iterable<AnnouncedToolCall>;
    /** The text message a resumed response goes on in (`stream_resume`'s `messageId`). */
    textMessageId?: string | undefined;
  };
  /**
   * Signs every call announced and every server tool's result (`metadata.gatewaySignature`)
   * so that the client's copy is accepted in a later run's thread. Nothing is signed without it.
   */
  signatures?: SessionToolSignatures;
  /** Ids of messages; random UUIDs unless given. */
  createId?: () => string;
  /**
   * The whole conversation, sent as `MESSAGES_SNAPSHOT` right after `RUN_STARTED` (a stored
   * thread whose client sent only its new messages).
   */
  snapshot?: readonly unknown[];
}

/** Turns the native events of one response into AG-UI events. */
export interface AgUiEncoder {
  /** `RUN_STARTED`: the first event of every response. */
  start(): AgUiEvent[];
  /** The events for one native event; `[]` after the response ended. */
  encode(event: GatewayEvent): AgUiEvent[];
  /**
   * Ends the response because its run goes on on another instance (`AgUiEncoding.resume`);
   * `[]` once it ended.
   */
  resume(value: { reason: string; lastEventId: string }): AgUiEvent[];
  /** True once `RUN_FINISHED` or `RUN_ERROR` was emitted. */
  readonly ended: boolean;
  /**
   * The id of the text message open now, or undefined. While it is set, a `text_delta`
   * encodes to exactly one event, `{type: 'TEXT_MESSAGE_CONTENT', messageId: openTextId,
   * delta: text}`, and changes nothing else in the encoder: a framing may then write that frame
   * itself, from a prefix serialised once per message, without calling `encode`.
   */
  readonly openTextId: string | undefined;
}

/**
 * Creates the stateful encoder from our run events to AG-UI 1.0 for one HTTP response.
 * Invariants the client enforces: `RUN_STARTED` first; text and reasoning messages closed
 * before anything else and before the end; a tool call is `START`, `ARGS`, `END` before its
 * result; `RUN_FINISHED` or `RUN_ERROR` last. The response's state is an `AgUiEncoding`; what
 * each kind of event becomes is its handler in `agUiEventHandlers`.
 */
export function createAgUiEncoder(options: AgUiEncoderOptions): AgUiEncoder {
  const { threadId, runId } = options;
  const encoding = new AgUiEncoding(options);
  return {
    start: () =>
      options.snapshot === undefined
        ? [{ type: 'RUN_STARTED', threadId, runId }]
        : [
            { type: 'RUN_STARTED', threadId, runId },
            { type: 'MESSAGES_SNAPSHOT', messages: options.snapshot },
          ],
    encode(event) {
      if (encoding.ended) return [];
      encoding.out = [];
      dispatchEvent(agUiEventHandlers, encoding, event);
      return encoding.out;
    },
    resume(value) {
      if (encoding.ended) return [];
      encoding.out = [];
      encoding.resume(value);
      return encoding.out;
    },
    get ended() {
      return encoding.ended;
    },
    // Text and reasoning are never open together; a message is closed before anything else.
    get openTextId() {
      return encoding.ended ? undefined : encoding.openText;
    },
  };
}
