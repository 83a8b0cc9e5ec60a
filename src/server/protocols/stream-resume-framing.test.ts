import { describe, expect, it } from 'vitest';
import type { GatewayEvent, LogEntry } from '../../core/events.js';
import type { StreamResume } from '../sse/stream-resume-notice.js';
import { a2aFraming } from './a2a/a2a-framing.js';
import { A2aTaskProjection } from './a2a/a2a-task-projection.js';
import { agUiFraming } from './ag-ui/ag-ui-framing.js';
import type { AgUiEvent } from './ag-ui/ag-ui-events.js';
import { createAgUiEncoder } from './ag-ui/create-ag-ui-encoder.js';
import { createUiMessageEncoder } from './ai-sdk-ui/create-ui-message-encoder.js';
import { uiMessageFraming } from './ai-sdk-ui/ui-message-framing.js';

const handedOver: StreamResume = { reason: 'handed_over', runId: 'run_1', lastSeq: 2 };
const entries: LogEntry[] = [
  { seq: 1, event: { type: 'text_delta', text: 'Hel' } },
  { seq: 2, event: { type: 'text_delta', text: 'lo' } },
];
const ignoreHold = (): void => undefined;

/** The JSON of every `data:` line but `[DONE]`, in order. */
const dataOf = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line): unknown => JSON.parse(line.slice('data: '.length)));

describe('a frontend stream whose run is handed over', () => {
  it('AI SDK UI: closes the text and step, then a transient data-stream-resume part and [DONE], no finish', () => {
    let next = 0;
    const encoder = createUiMessageEncoder({ messageId: 'msg_1', createBlockId: () => `b${++next}` });
    const framing = uiMessageFraming(encoder, ignoreHold);
    for (const entry of entries) framing.frame(entry);
    const last = framing.resume?.(handedOver) ?? '';
    expect(dataOf(last)).toEqual([
      { type: 'text-end', id: 'b1' },
      { type: 'finish-step' },
      {
        type: 'data-stream-resume',
        data: { reason: 'handed_over', lastEventId: 'run_1:2' },
        transient: true,
      },
    ]);
    expect(last.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(encoder.ended).toBe(true);
  });

  it('AG-UI: closes the text message, then CUSTOM stream_resume naming it, and no RUN_FINISHED', () => {
    let next = 0;
    const encoder = createAgUiEncoder({ threadId: 't1', runId: 'r1', createId: () => `m${++next}` });
    const framing = agUiFraming(encoder, ignoreHold);
    for (const entry of entries) framing.frame(entry);
    expect(dataOf(framing.resume?.(handedOver) ?? '')).toEqual([
      { type: 'TEXT_MESSAGE_END', messageId: 'm1' },
      {
        type: 'CUSTOM',
        name: 'stream_resume',
        value: { reason: 'handed_over', lastEventId: 'run_1:2', messageId: 'm1' },
      },
    ]);
  });

  it('AG-UI: a resumed response goes on in the text message the notice named', () => {
    const encoder = createAgUiEncoder({
      threadId: 't1',
      runId: 'r2',
      createId: () => 'fresh',
      continuation: { knownToolCallIds: [], answeredByClient: [], textMessageId: 'm1' },
    });
    expect([...encoder.start(), ...encoder.encode({ type: 'text_delta', text: ' there' })]).toEqual([
      { type: 'RUN_STARTED', threadId: 't1', runId: 'r2' },
      { type: 'TEXT_MESSAGE_START', messageId: 'm1', role: 'assistant' },
      { type: 'TEXT_MESSAGE_CONTENT', messageId: 'm1', delta: ' there' },
    ]);
  });

  // The instance that took the run over retries the cut model call (`stream_retry`) after
  // whatever of the cut message its log holds past `lastEventId` (a word the first instance
  // logged but never sent, or nothing): the messages come out as one unbroken stream would have
  // made them, wherever `lastEventId` fell, and a retry starts a message of its own as it does
  // on one instance.
  it('AG-UI: a resumed response puts the rest of the cut message in the named message and a retry after it in a new one', () => {
    const retry: GatewayEvent = { type: 'stream_retry', attempt: 1, error: 'The upstream failed.' };
    const resumed = () =>
      createAgUiEncoder({
        threadId: 't1',
        runId: 'r2',
        createId: () => 'fresh',
        continuation: { knownToolCallIds: [], answeredByClient: [], textMessageId: 'm1' },
      });
    const textMessages = (events: readonly AgUiEvent[]) =>
      events.flatMap((event) =>
        event.type === 'TEXT_MESSAGE_CONTENT' ? [`${event.messageId}:${event.delta}`] : [],
      );
    const leftOver = resumed();
    const afterLeftOver = [
      { type: 'text_delta', text: 'word31 ' },
      retry,
      { type: 'text_delta', text: 'All green.' },
    ] satisfies GatewayEvent[];
    expect(textMessages(afterLeftOver.flatMap((event) => leftOver.encode(event)))).toEqual([
      'm1:word31 ',
      'fresh:All green.',
    ]);
    const reasoningFirst = resumed();
    const afterReasoning = [
      { type: 'thinking_delta', text: 'Retrying.' },
      { type: 'text_delta', text: 'All green.' },
    ] satisfies GatewayEvent[];
    expect(textMessages(afterReasoning.flatMap((event) => reasoningFirst.encode(event)))).toEqual([
      'fresh:All green.',
    ]);
    const nothingLeft = resumed();
    expect(
      textMessages(
        [retry, { type: 'text_delta', text: 'All green.' }].flatMap((event) =>
          nothingLeft.encode(event as GatewayEvent),
        ),
      ),
    ).toEqual(['fresh:All green.']);
  });

  it('A2A: a working status update carrying metadata.streamResume, the task left open', () => {
    const projection = new A2aTaskProjection('task_1', 'ctx_1');
    const framing = a2aFraming({ projection, requestId: 7, first: projection.task(), onHold: ignoreHold });
    for (const entry of entries) framing.frame(entry);
    const [envelope] = dataOf(framing.resume?.(handedOver) ?? '');
    expect(envelope).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      result: {
        statusUpdate: {
          taskId: 'task_1',
          contextId: 'ctx_1',
          status: { state: 'TASK_STATE_WORKING' },
          metadata: { streamResume: { reason: 'handed_over', lastEventId: 'run_1:2' } },
        },
      },
    });
    expect(projection.settled).toBe(false);
  });
});
