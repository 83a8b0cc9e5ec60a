import { TaskState } from '@a2a-js/sdk';
import type { Artifact, Message, Part, StreamResponse, Task, TaskStatus } from '@a2a-js/sdk';
import type { LogEntry } from '../../../core/events.js';
import { createTurnText } from '../turn-text.js';
import { agentMessage, dataPart, textPart } from './a2a-agent-parts.js';
import { pendingAnswerOf, pendingAnswerPart, type A2aPendingAnswer } from './a2a-pending-answer.js';

/** The id of the artifact that carries the run's answer text. */
export const ANSWER_ARTIFACT_ID = 'answer';

/** Whether a terminal `error` event means the run was cancelled rather than failed. */
const isCancellation = (event: { error: string; code?: string }): boolean =>
  event.code === undefined && event.error.startsWith('cancelled');

/**
 * Folds a run's events into an A2A task: its state, its answer artifact and what it waits for,
 * and, entry by entry, the stream updates a subscriber sees. The event mapping of
 * docs/protocol.md ("A2A") lives here and nowhere else.
 */
export class A2aTaskProjection {
  private state: TaskState = TaskState.TASK_STATE_WORKING;
  private statusMessage: Message | undefined;
  /** The answer, one part per model turn. */
  private readonly answer = createTurnText();
  /** Whether an artifact update was sent since the text (re)started. */
  private answerStarted = false;
  // eslint-disable-next-line gateway/churn-collections -- one projection per task
  private readonly open = new Map<string, A2aPendingAnswer>();
  private statusTime: string | undefined;
  private lastSeq = 0;

  constructor(
    readonly taskId: string,
    readonly contextId: string,
  ) {}

  /** Sequence number of the last entry folded in. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Whether the task reached a state that ends a stream: terminal or waiting for input. */
  get settled(): boolean {
    return this.state !== TaskState.TASK_STATE_WORKING && this.state !== TaskState.TASK_STATE_SUBMITTED;
  }

  /** Whether the task can change no more. */
  get terminal(): boolean {
    return (
      this.state === TaskState.TASK_STATE_COMPLETED ||
      this.state === TaskState.TASK_STATE_FAILED ||
      this.state === TaskState.TASK_STATE_CANCELED
    );
  }

  get taskState(): TaskState {
    return this.state;
  }

  /** The calls the task waits for, oldest first. */
  pendingAnswers(): A2aPendingAnswer[] {
    return [...this.open.values()];
  }

  /**
   * Folds in a text delta when it makes exactly one artifact update (the task is working):
   * returns that update's `append`, for a framing that writes it from a serialised prefix;
   * undefined when `fold` must make the updates (the delta also changes the state).
   */
  foldText(seq: number, text: string): boolean | undefined {
    if (
      seq <= this.lastSeq ||
      text === '' ||
      this.state !== TaskState.TASK_STATE_WORKING ||
      this.answer.breaksNext
    ) {
      return undefined;
    }
    this.lastSeq = seq;
    const append = this.answerStarted;
    this.answer.fold({ type: 'text_delta', text });
    this.answerStarted = true;
    return append;
  }

  /** Folds in the entries of a snapshot, discarding the updates. */
  foldAll(entries: Iterable<LogEntry>): this {
    for (const entry of entries) this.fold(entry);
    return this;
  }

  /** Folds in one entry; returns the stream updates it makes (often none). */
  fold(entry: LogEntry): StreamResponse[] {
    if (entry.seq <= this.lastSeq) return [];
    this.lastSeq = entry.seq;
    const { event } = entry;
    const updates: StreamResponse[] = [];
    // What a text delta adds to the answer: a paragraph break first when it starts a turn.
    const added = this.answer.fold(event);
    const call = pendingAnswerOf(event);
    if (call !== undefined) {
      this.open.set(call.toolCallId, call);
      updates.push(this.setStatus(TaskState.TASK_STATE_INPUT_REQUIRED, this.inputRequest()));
      return updates;
    }
    switch (event.type) {
      case 'text_delta': {
        if (this.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
          updates.push(this.setStatus(TaskState.TASK_STATE_WORKING, undefined));
        }
        if (added === undefined) return updates;
        updates.push(this.artifactUpdate([added], this.answerStarted, false));
        this.answerStarted = true;
        return updates;
      }
      case 'stream_retry':
        // The failed attempt's text is discarded (the answer dropped it): the next delta
        // replaces the artifact.
        this.answerStarted = false;
        return updates;
      case 'tool_call_complete': {
        if (!this.open.delete(event.tool_call_id)) return updates;
        if (this.open.size === 0 && this.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
          updates.push(this.setStatus(TaskState.TASK_STATE_WORKING, undefined));
        }
        return updates;
      }
      case 'stream_complete': {
        if (this.answerStarted) updates.push(this.artifactUpdate([''], true, true));
        this.open.clear();
        updates.push(this.setStatus(TaskState.TASK_STATE_COMPLETED, undefined));
        return updates;
      }
      case 'error': {
        if (event.code === 'run_suspended') {
          // Suspended to the database: the task still waits for the same answers.
          updates.push(this.setStatus(TaskState.TASK_STATE_INPUT_REQUIRED, this.inputRequest()));
          return updates;
        }
        this.open.clear();
        const cancelled = isCancellation(event);
        updates.push(
          this.setStatus(
            cancelled ? TaskState.TASK_STATE_CANCELED : TaskState.TASK_STATE_FAILED,
            this.message([
              textPart(event.error),
              ...(cancelled ? [] : [dataPart({ code: event.code ?? 'internal_error' })]),
            ]),
          ),
        );
        return updates;
      }
      default:
        return updates;
    }
  }

  /**
   * Records that the client answered `toolCallIds` just now: they wait no more, and a task that
   * waits for nothing else is working again (no update: the answer's own response says so).
   */
  answered(toolCallIds: Iterable<string>): void {
    for (const id of toolCallIds) this.open.delete(id);
    if (this.open.size === 0 && this.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
      this.state = TaskState.TASK_STATE_WORKING;
      this.statusMessage = undefined;
    }
  }

  /** Marks the task waiting for `calls` (a suspended run read from the database). */
  waitFor(calls: readonly A2aPendingAnswer[]): void {
    for (const call of calls) this.open.set(call.toolCallId, call);
    if (calls.length > 0) this.setStatus(TaskState.TASK_STATE_INPUT_REQUIRED, this.inputRequest());
  }

  /** Sets a final state read from a run record (the log is gone). */
  settle(state: TaskState, answer: readonly string[], message?: string, code?: string): void {
    this.answer.reset(answer);
    this.answerStarted = this.answer.parts.length > 0;
    this.setStatus(
      state,
      message === undefined
        ? undefined
        : this.message([textPart(message), ...(code === undefined ? [] : [dataPart({ code })])]),
    );
  }

  /** The task as `GetTask` returns it. */
  task(history: Message[] = []): Task {
    return {
      id: this.taskId,
      contextId: this.contextId,
      status: this.status(),
      artifacts: this.answer.parts.length === 0 ? [] : [this.artifact(this.answer.parts)],
      history,
      metadata: undefined,
    };
  }

  private status(): TaskStatus {
    return { state: this.state, message: this.statusMessage, timestamp: this.statusTime };
  }

  private message(parts: Part[]): Message {
    return agentMessage(this.taskId, this.contextId, `${this.taskId}-s${this.lastSeq}`, parts);
  }

  private inputRequest(): Message {
    const calls = this.pendingAnswers();
    const names = calls.map((call) => call.toolName).join(', ');
    const approvals = calls.some((call) => call.kind === 'approval');
    return this.message([
      textPart(
        approvals
          ? `Waiting for approval of ${names}: answer in this task with a data part {"tool_call_id", "approved": true|false}.`
          : `Waiting for the client's result of ${names}: answer in this task with a data part {"tool_call_id", "result"}.`,
      ),
      ...calls.map(pendingAnswerPart),
    ]);
  }

  private setStatus(state: TaskState, message: Message | undefined): StreamResponse {
    this.state = state;
    this.statusMessage = message;
    this.statusTime = new Date().toISOString();
    return {
      payload: {
        $case: 'statusUpdate',
        value: { taskId: this.taskId, contextId: this.contextId, status: this.status(), metadata: undefined },
      },
    };
  }

  /** The answer artifact with `texts` as its parts (one per model turn in a task). */
  private artifact(texts: readonly string[]): Artifact {
    return {
      artifactId: ANSWER_ARTIFACT_ID,
      name: 'answer',
      description: "The agent's answer",
      parts: texts.map(textPart),
      metadata: undefined,
      extensions: [],
    };
  }

  private artifactUpdate(texts: readonly string[], append: boolean, lastChunk: boolean): StreamResponse {
    return {
      payload: {
        $case: 'artifactUpdate',
        value: {
          taskId: this.taskId,
          contextId: this.contextId,
          artifact: this.artifact(texts),
          append,
          lastChunk,
          metadata: undefined,
        },
      },
    };
  }
}
