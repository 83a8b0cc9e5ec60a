import { randomUUID } from 'node:crypto';
import type { ToolCallStartEvent } from '../../../core/events.js';
import type { AnnouncedToolCall } from '../tool-history-signatures.js';
import type { RunNotice } from '../run-notices.js';
import { createUiBlocks } from './ui-blocks.js';
import { createUiToolChunks, type UiToolChunks } from './ui-tool-chunks.js';
import type { UiFinishReason, UiMessageChunk, UiMessageMetadata } from './ui-message-chunks.js';
import type { UiMessageEncoderOptions } from './create-ui-message-encoder.js';

/** A call the client has seen. */
interface ToolCallState {
  /** Preliminary output of a running call (code execution), as streamed so far. */
  streamedOutput: string;
}

const isMcpLocation = (_toolName: string, event: ToolCallStartEvent): boolean =>
  event.execution_location !== 'backend' && event.execution_location !== 'client';

const alwaysPending = (): boolean => true;

/**
 * The state of one UI message stream being encoded, and the moves every handler of a native
 * event makes: `start` before the first chunk, steps opened and closed, calls announced once,
 * the response ended. The chunks of one `encode` call collect in `out`.
 */
export class UiMessageEncoding {
  readonly messageId: string;
  readonly isDynamicTool: (toolName: string, event: ToolCallStartEvent) => boolean;
  readonly hasPendingAnswer: (toolCallId: string) => boolean;
  /** The calls the client has seen, by id. */
  // eslint-disable-next-line gateway/churn-collections -- made per response
  readonly toolCalls = new Map<string, ToolCallState>();
  /**
   * Calls announced by an earlier response: their outcomes open this one before any step, as
   * the AI SDK's own server sends the results of approved calls.
   */
  readonly earlierCalls: Set<string>;
  readonly toolChunks: UiToolChunks;
  /** The text and reasoning blocks. */
  readonly blocks: ReturnType<typeof createUiBlocks>;
  started = false;
  ended = false;
  stepOpen = false;
  stepHasToolResults = false;
  /** The run stopped at a limit (turns, budget): it finishes with `other`. */
  stoppedByLimit = false;
  out: UiMessageChunk[] = [];

  constructor(options: UiMessageEncoderOptions) {
    this.messageId = options.messageId;
    this.isDynamicTool = options.isDynamicTool ?? isMcpLocation;
    this.hasPendingAnswer = options.hasPendingAnswer ?? alwaysPending;
    this.earlierCalls = new Set<string>(options.continuation?.announcedToolCallIds ?? []);
    for (const id of this.earlierCalls) {
      this.toolCalls.set(id, { streamedOutput: '' });
    }
    this.toolChunks = createUiToolChunks(options.signatures, options.continuation?.calls);
    this.blocks = createUiBlocks((chunk) => this.emit(chunk), options.createBlockId ?? randomUUID);
  }

  emit(chunk: UiMessageChunk): void {
    if (!this.started) {
      this.started = true;
      this.out.push({ type: 'start', messageId: this.messageId });
    }
    this.out.push(chunk);
  }

  closeBlocks(): void {
    this.blocks.close();
  }

  openStep(): void {
    if (this.stepOpen) return;
    this.emit({ type: 'start-step' });
    this.stepOpen = true;
    this.stepHasToolResults = false;
  }

  closeStep(): void {
    this.closeBlocks();
    if (this.stepOpen) this.emit({ type: 'finish-step' });
    this.stepOpen = false;
  }

  /** The model speaks: after tool results, that is the next model call. */
  openModelStep(): void {
    if (this.stepHasToolResults) this.closeStep();
    this.openStep();
  }

  /** Ends the response with `finish`. */
  finish(finishReason: UiFinishReason, metadata?: UiMessageMetadata): void {
    this.closeStep();
    this.emit(
      metadata === undefined
        ? { type: 'finish', finishReason }
        : { type: 'finish', finishReason, messageMetadata: metadata },
    );
    this.ended = true;
  }

  /** Ends the response with `chunk` (`error` or `abort`). */
  fail(chunk: UiMessageChunk): void {
    this.closeStep();
    this.emit(chunk);
    this.ended = true;
  }

  /** The input chunks of a call the client has not seen yet (signed). */
  announce(
    call: AnnouncedToolCall,
    event: { nonce?: string; expires_at?: number },
    extra: { dynamic?: true },
  ): void {
    this.openStep();
    this.closeBlocks();
    if (this.toolCalls.has(call.toolCallId)) return;
    this.toolCalls.set(call.toolCallId, { streamedOutput: '' });
    for (const chunk of this.toolChunks.input(call, event, extra)) this.emit(chunk);
  }

  /** A run notice as a transient data part (`data-stream-retry`, ...): the client does not keep it. */
  transient({ name, value }: RunNotice): void {
    this.emit({ type: `data-${name.replaceAll('_', '-')}`, data: value, transient: true });
  }
}
