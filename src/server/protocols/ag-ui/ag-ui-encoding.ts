import { randomUUID } from 'node:crypto';
import type { AnnouncedToolCall, SessionToolSignatures } from '../tool-history-signatures.js';
import type { AgUiEvent, AgUiOutcome, AgUiTokenUsage } from './ag-ui-events.js';
import type { AgUiEncoderOptions } from './create-ag-ui-encoder.js';
import { subAgentStartedOf, SUB_AGENT_TOOL } from './ag-ui-sub-agents.js';

/** The client reads a call's input back from the arguments sent: `{}` for none. */
const asSent = (call: AnnouncedToolCall): AnnouncedToolCall => ({ ...call, input: call.input ?? {} });

const alwaysPending = (): boolean => true;

/**
 * The state of one AG-UI response being encoded, and the moves every handler of a native
 * event makes: open blocks closed, calls announced once, the run finished. The events of one
 * `encode` call collect in `out`.
 */
export class AgUiEncoding {
  readonly threadId: string;
  readonly runId: string;
  readonly model: string | undefined;
  readonly createId: () => string;
  readonly hasPendingAnswer: (toolCallId: string) => boolean;
  readonly signatures: SessionToolSignatures | undefined;
  /** Calls the client knows: announced in this response or before it. */
  readonly known: Set<string>;
  /** Calls whose result the client itself supplied (no `TOOL_CALL_RESULT` echoes it). */
  readonly answeredByClient: Set<string>;
  /** Calls run by the client (frontend tools). */
  readonly clientCalls = new Set<string>();
  /** The calls as sent, to sign their results. */
  // eslint-disable-next-line gateway/churn-collections -- made per response
  readonly calls = new Map<string, AnnouncedToolCall>();
  /** Calls that run a sub-agent (also shown as `SUBAGENT_*` events). */
  readonly subAgentCalls = new Set<string>();
  openText: string | undefined;
  openReasoning: string | undefined;
  /**
   * The text message a resumed response continues (`stream_resume`'s `messageId`): it counts as
   * open, so the response's first text goes on in it, until something would have closed it on
   * one unbroken stream (a notice such as the other instance's `stream_retry`, a tool call, the
   * end); the text after that starts a message of its own, wherever `lastEventId` fell.
   */
  private resumedTextId: string | undefined;
  ended = false;
  out: AgUiEvent[] = [];

  constructor(options: AgUiEncoderOptions) {
    this.threadId = options.threadId;
    this.runId = options.runId;
    this.model = options.model;
    this.createId = options.createId ?? randomUUID;
    this.hasPendingAnswer = options.hasPendingAnswer ?? alwaysPending;
    this.signatures = options.signatures;
    this.known = new Set(options.continuation?.knownToolCallIds ?? []);
    this.answeredByClient = new Set(options.continuation?.answeredByClient ?? []);
    for (const call of options.continuation?.calls ?? []) this.calls.set(call.toolCallId, asSent(call));
    this.resumedTextId = options.continuation?.textMessageId;
  }

  /** The id of the text message a resumed response continues, once (then none). */
  takeResumedTextId(): string | undefined {
    const id = this.resumedTextId;
    this.resumedTextId = undefined;
    return id;
  }

  emit(event: AgUiEvent): void {
    this.out.push(event);
  }

  /** Closes the text or reasoning message open now (a resumed one included, see `resumedTextId`). */
  closeBlocks(): void {
    this.resumedTextId = undefined;
    if (this.openText !== undefined) this.emit({ type: 'TEXT_MESSAGE_END', messageId: this.openText });
    if (this.openReasoning !== undefined) {
      this.emit({ type: 'REASONING_MESSAGE_END', messageId: this.openReasoning });
      this.emit({ type: 'REASONING_END', messageId: this.openReasoning });
    }
    this.openText = undefined;
    this.openReasoning = undefined;
  }

  /** Ends the response with `RUN_FINISHED`. */
  finish(
    outcome: AgUiOutcome,
    extra: { usage?: AgUiTokenUsage[]; metadata?: Record<string, unknown> } = {},
  ): void {
    this.closeBlocks();
    this.emit({ type: 'RUN_FINISHED', threadId: this.threadId, runId: this.runId, outcome, ...extra });
    this.ended = true;
  }

  /** Ends the response with `RUN_ERROR`. */
  fail(message: string, code: string): void {
    this.closeBlocks();
    this.emit({ type: 'RUN_ERROR', message, code });
    this.ended = true;
  }

  /** `TOOL_CALL_START`, `_ARGS` and `_END` of a call the client does not know yet (signed). */
  announce(announced: AnnouncedToolCall): void {
    const call = asSent(announced);
    const { toolCallId, toolName, input } = call;
    if (this.known.has(toolCallId)) return;
    this.known.add(toolCallId);
    if (!this.calls.has(toolCallId)) this.calls.set(toolCallId, call);
    this.closeBlocks();
    const { signatures } = this;
    this.emit({
      type: 'TOOL_CALL_START',
      toolCallId,
      toolCallName: toolName,
      ...(signatures === undefined ? {} : { metadata: { gatewaySignature: signatures.signCall(call) } }),
    });
    this.emit({ type: 'TOOL_CALL_ARGS', toolCallId, delta: JSON.stringify(input) });
    this.emit({ type: 'TOOL_CALL_END', toolCallId });
    if (toolName === SUB_AGENT_TOOL) {
      this.subAgentCalls.add(toolCallId);
      this.emit(subAgentStartedOf(toolCallId, input));
    }
  }

  /**
   * Ends the response because its run goes on on another instance: the open message closed,
   * then `CUSTOM{name: "stream_resume", value}` with the text message's id when one was open
   * (a resumed response goes on in it), and no `RUN_FINISHED`: the run is not over.
   */
  resume(value: { reason: string; lastEventId: string }): void {
    const messageId = this.openText;
    this.closeBlocks();
    this.emit({
      type: 'CUSTOM',
      name: 'stream_resume',
      value: messageId === undefined ? value : { ...value, messageId },
    });
    this.ended = true;
  }

  /** A `CUSTOM` event, after closing the open message. */
  custom(name: string, value: unknown): void {
    this.closeBlocks();
    this.emit({ type: 'CUSTOM', name, value });
  }
}
