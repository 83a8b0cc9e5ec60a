import { StreamResponse, Task } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import type { GatewayEvent, LogEntry } from '../../../core/events.js';
import { a2aFraming } from './a2a-framing.js';
import { A2aTaskProjection } from './a2a-task-projection.js';

const events: GatewayEvent[] = [
  { type: 'text_delta', text: 'Let me "check" \u2014 ' },
  { type: 'text_delta', text: 'one\nmoment.' },
  { type: 'stream_retry', attempt: 0, error: 'retrying' },
  { type: 'text_delta', text: 'Let me check.' },
  {
    type: 'tool_approval_request',
    tool_call_id: 'call_1',
    nonce: 'n1',
    expires_at: 2_000_000_000,
    tool_name: 'delete_file',
    tool_input: { path: '/tmp/a' },
    resolved_qualifier: '',
  },
  {
    type: 'tool_call_complete',
    tool_call_id: 'call_1',
    tool_name: 'delete_file',
    result: {},
    error: null,
    duration_ms: 1,
    server: null,
  },
  { type: 'text_delta', text: ' Done \u{1F600}.' },
  { type: 'text_delta', text: '' },
  { type: 'stream_complete', usage: {} },
];
const entries: LogEntry[] = events.map((event, index) => ({ seq: index + 1, event }));

/** The same events framed the slow way, up to where the task settles: every update through `toJSON`. */
function slowFrames(requestId: number): string {
  const projection = new A2aTaskProjection('task1', 'ctx1');
  let text = `data: ${JSON.stringify({ jsonrpc: '2.0', id: requestId, result: { task: Task.toJSON(projection.task()) } })}\n\n`;
  for (const entry of entries) {
    for (const update of projection.fold(entry)) {
      text += `data: ${JSON.stringify({ jsonrpc: '2.0', id: requestId, result: StreamResponse.toJSON(update) })}\n\n`;
    }
    if (projection.settled) break;
  }
  return text;
}

/** Status timestamps differ between two runs: compare frames without them. */
const withoutTimestamps = (text: string): string => text.replace(/"timestamp":"[^"]*"/g, '"timestamp":"T"');

describe('the A2A streaming framing', () => {
  it('writes every frame as the SDK would serialise it, text deltas from their prefix included', () => {
    const projection = new A2aTaskProjection('task1', 'ctx1');
    const suspended: number[] = [];
    const framing = a2aFraming({
      projection,
      requestId: 7,
      first: projection.task(),
      onHold: (entry) => void suspended.push(entry.seq),
    });
    let text = '';
    for (const entry of entries) {
      const frame = framing.frame(entry);
      text += frame.text;
      if (frame.last) break;
    }
    // The framing stops at the approval, as the slow way does.
    expect(withoutTimestamps(text)).toBe(withoutTimestamps(slowFrames(7)));
    expect(suspended).toEqual([5]);
  });

  it('frames the rest of a task after its approval like the SDK too, and ends at completion', () => {
    const projection = new A2aTaskProjection('task1', 'ctx1');
    projection.foldAll(entries.slice(0, 5));
    const framing = a2aFraming({
      projection,
      requestId: 'r',
      first: projection.task(),
      onHold: () => undefined,
    });
    const reference = new A2aTaskProjection('task1', 'ctx1').foldAll(entries.slice(0, 5));
    let text = '';
    let expected = `data: ${JSON.stringify({ jsonrpc: '2.0', id: 'r', result: { task: Task.toJSON(reference.task()) } })}\n\n`;
    let last = false;
    for (const entry of entries.slice(5)) {
      const frame = framing.frame(entry);
      text += frame.text;
      last = frame.last;
      for (const update of reference.fold(entry)) {
        expected += `data: ${JSON.stringify({ jsonrpc: '2.0', id: 'r', result: StreamResponse.toJSON(update) })}\n\n`;
      }
    }
    expect(last).toBe(true);
    expect(withoutTimestamps(text)).toBe(withoutTimestamps(expected));
  });
});
