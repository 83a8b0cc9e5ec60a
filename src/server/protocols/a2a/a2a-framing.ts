import {
  StreamResponse,
  Task,
  type StreamResponse as StreamResponseType,
  type Task as TaskType,
} from '@a2a-js/sdk';
import { TaskState } from '@a2a-js/sdk';
import type { LogEntry } from '../../../core/events.js';
import type { SseFraming } from '../../sse/sse-stream.js';
import { waitsForClient } from '../held-runs.js';
import { lastEventIdOf, type StreamResume } from '../../sse/stream-resume-notice.js';
import { ANSWER_ARTIFACT_ID, type A2aTaskProjection } from './a2a-task-projection.js';

/** What an A2A 1.0 streaming response is framed from. */
export interface A2aFramingOptions {
  projection: A2aTaskProjection;
  /** The JSON-RPC id every envelope answers. */
  requestId: string | number | null;
  /** The task sent before the first update. */
  first: TaskType;
  /** Called with the entry the response stopped at when the task waits for the client. */
  onHold: (entry: LogEntry & { event: { tool_call_id: string } }) => void;
}

/** One JSON-RPC envelope of a streamed result as an SSE frame. */
const envelopeFrame = (requestId: string | number | null, result: unknown): string =>
  `data: {"jsonrpc":"2.0","id":${JSON.stringify(requestId)},"result":${JSON.stringify(result)}}\n\n`;

/** The frame of the task itself, the first of every A2A 1.0 stream. */
export const taskFrame = (requestId: string | number | null, task: TaskType): string =>
  envelopeFrame(requestId, { task: Task.toJSON(task) });

/**
 * The status update that ends a stream whose run goes on on another instance: the task's state
 * as it stands (working, never final), with `metadata.streamResume` (`reason`, `lastEventId`)
 * telling the client to subscribe to the task again (`SubscribeToTask`, `tasks/resubscribe`).
 */
export function resumeUpdate(projection: A2aTaskProjection, notice: StreamResume): StreamResponseType {
  const { taskId, contextId } = projection;
  return {
    payload: {
      $case: 'statusUpdate',
      value: {
        taskId,
        contextId,
        status: { state: projection.taskState, message: undefined, timestamp: new Date().toISOString() },
        metadata: { streamResume: { reason: notice.reason, lastEventId: lastEventIdOf(notice) } },
      },
    },
  };
}

/**
 * The SSE framing of an A2A 1.0 `SendStreamingMessage` / `SubscribeToTask` response: JSON-RPC
 * envelopes of `StreamResponse`s in the SDK's JSON form (`StreamResponse.toJSON`), the task
 * first, the projection's updates after it; the response ends when the task waits for input or
 * ends, or with `resumeUpdate` when the run goes on on another instance. A text delta of a working task (most frames) is written from a prefix serialised once,
 * byte for byte what `StreamResponse.toJSON` gives for that artifact update.
 */
export function a2aFraming(options: A2aFramingOptions): SseFraming {
  const { projection, onHold } = options;
  const id = JSON.stringify(options.requestId);
  const envelope = (result: unknown): string => envelopeFrame(options.requestId, result);
  let pending = taskFrame(options.requestId, options.first);
  const artifactHead =
    `data: {"jsonrpc":"2.0","id":${id},"result":{"artifactUpdate":{"taskId":${JSON.stringify(projection.taskId)},` +
    `"contextId":${JSON.stringify(projection.contextId)},"artifact":{"artifactId":${JSON.stringify(ANSWER_ARTIFACT_ID)},` +
    `"name":"answer","description":"The agent's answer","parts":[{"text":`;
  const appendTail = ',"mediaType":"text/plain"}]},"append":true}}}\n\n';
  const firstTail = ',"mediaType":"text/plain"}]}}}}\n\n';
  const takePending = (): string => {
    const text = pending;
    pending = '';
    return text;
  };
  return {
    frame(entry) {
      const event = entry.event;
      if (event.type === 'text_delta') {
        const append = projection.foldText(entry.seq, event.text);
        if (append !== undefined) {
          return {
            text: `${takePending()}${artifactHead}${JSON.stringify(event.text)}${append ? appendTail : firstTail}`,
            last: false,
          };
        }
      }
      let text = takePending();
      for (const update of projection.fold(entry)) text += envelope(StreamResponse.toJSON(update));
      const last = projection.settled;
      if (last && projection.taskState === TaskState.TASK_STATE_INPUT_REQUIRED && waitsForClient(event)) {
        onHold({ seq: entry.seq, event });
      }
      return { text, last };
    },
    ping: () => ': keep-alive\n\n',
    resume: (notice) =>
      `${takePending()}${envelope(StreamResponse.toJSON(resumeUpdate(projection, notice)))}`,
    failure: (message) =>
      `${takePending()}data: ${JSON.stringify({ jsonrpc: '2.0', id: options.requestId, error: { code: -32603, message } })}\n\n`,
  };
}
