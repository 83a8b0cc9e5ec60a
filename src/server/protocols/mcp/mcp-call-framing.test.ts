import { describe, expect, it } from 'vitest';
import type { GatewayEvent, LogEntry } from '../../../core/events.js';
import type { SessionRecord } from '../../../core/stores.js';
import { createElicitationIds } from './elicitation-ids.js';
import { elicitationAsker, mcpCallFraming, toolResultFraming } from './mcp-call-framing.js';

const session: SessionRecord = {
  sessionId: `sess_${'1'.repeat(32)}`,
  apiKeyHash: 'k1',
  createdAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
  approvedToolTypes: [],
};

/** One JSON-RPC message as the SDK's transport frames it (minus its `event:` line). */
const frameOf = (message: unknown): string => `data: ${JSON.stringify(message)}\n\n`;

/** The frames of `events` for a call with `progressToken`, and whether the last one ended it. */
function framesOf(events: GatewayEvent[], progressToken: string | number | undefined, id: string | number) {
  const cancelled: number[] = [];
  const framing = mcpCallFraming({
    canElicit: false,
    askApproval: elicitationAsker(session, createElicitationIds('secret')),
    progressToken,
    result: toolResultFraming(id),
    cancel: () => void cancelled.push(1),
  });
  const entries: LogEntry[] = events.map((event, index) => ({ seq: index + 1, event }));
  let text = '';
  let last = false;
  for (const entry of entries) {
    const framed = framing.frame(entry);
    text += framed.text;
    last = framed.last;
  }
  return { text, last, cancelled: cancelled.length };
}

const progress = (token: string | number, progressSoFar: number, message: string) =>
  frameOf({
    jsonrpc: '2.0',
    method: 'notifications/progress',
    params: { progressToken: token, progress: progressSoFar, message },
  });

describe('the frames of a tools/call served from the run', () => {
  it('writes progress and the result byte for byte as JSON.stringify of the messages', () => {
    const framed = framesOf(
      [
        { type: 'text_delta', text: 'Say "hi" \u2014 ' },
        { type: 'text_delta', text: '' },
        { type: 'stream_retry', attempt: 0, error: 'retrying' },
        { type: 'text_delta', text: 'line\none \u{1F600}' },
        { type: 'stream_complete', usage: {} },
      ],
      'tok"1',
      'call-1',
    );
    expect(framed.last).toBe(true);
    expect(framed.text).toBe(
      progress('tok"1', 11, 'Say "hi" \u2014 ') +
        progress('tok"1', 22, 'line\none \u{1F600}') +
        frameOf({
          jsonrpc: '2.0',
          id: 'call-1',
          result: { content: [{ type: 'text', text: 'line\none \u{1F600}' }] },
        }),
    );
  });

  it('sends no progress without a token, and an error result as isError', () => {
    const framed = framesOf(
      [
        { type: 'text_delta', text: 'partial' },
        { type: 'error', error: 'upstream broke', code: 'provider_error' },
      ],
      undefined,
      7,
    );
    expect(framed.text).toBe(
      frameOf({
        jsonrpc: '2.0',
        id: 7,
        result: {
          content: [{ type: 'text', text: 'The agent failed (provider_error): upstream broke' }],
          isError: true,
        },
      }),
    );
  });

  it('ends with an error result and cancels the run when an approval cannot be asked for', () => {
    const framed = framesOf(
      [
        {
          type: 'tool_approval_request',
          tool_call_id: 'call_1',
          nonce: 'n1',
          expires_at: 2_000_000_000,
          tool_name: 'delete_file',
          tool_input: { path: '/tmp/a' },
          resolved_qualifier: '',
        },
      ],
      1,
      1,
    );
    expect(framed.last).toBe(true);
    expect(framed.cancelled).toBe(1);
    expect(framed.text).toContain('"isError":true');
  });
});

describe('the frames of a tools/call with event ids', () => {
  /** A framing with ids `p.<seq>`, the entries through `sentThrough` sent already. */
  const framingWithIds = (sentThrough: number) =>
    mcpCallFraming({
      canElicit: false,
      askApproval: elicitationAsker(session, createElicitationIds('secret')),
      progressToken: 't',
      result: toolResultFraming(1),
      cancel: () => undefined,
      eventIds: { prefix: 'p.', sentThrough },
    });
  const entries: LogEntry[] = [
    { seq: 1, event: { type: 'text_delta', text: 'one ' } },
    { seq: 2, event: { type: 'text_delta', text: 'two' } },
    { seq: 3, event: { type: 'stream_complete', usage: {} } },
  ];

  it('gives every frame the id of its entry', () => {
    const framing = framingWithIds(0);
    const text = entries.map((entry) => framing.frame(entry).text).join('');
    expect(text).toBe(
      `id: p.1\n${progress('t', 4, 'one ')}id: p.2\n${progress('t', 7, 'two')}id: p.3\n${frameOf({
        jsonrpc: '2.0',
        id: 1,
        result: { content: [{ type: 'text', text: 'one two' }] },
      })}`,
    );
  });

  it("resumed, frames only what follows the client's position, and its result holds the whole text", () => {
    const framing = framingWithIds(1);
    const text = entries.map((entry) => framing.frame(entry).text).join('');
    expect(text).toBe(
      `id: p.2\n${progress('t', 7, 'two')}id: p.3\n${frameOf({
        jsonrpc: '2.0',
        id: 1,
        result: { content: [{ type: 'text', text: 'one two' }] },
      })}`,
    );
  });

  it('ends a handed-over stream with the id of the last entry both sent and shared, and no message', () => {
    const framing = framingWithIds(0);
    framing.frame(entries[0] as LogEntry);
    // The shared log holds more than this stream sent: resume after what was sent.
    expect(framing.resume?.({ reason: 'handed_over', runId: 'r', lastSeq: 2 })).toBe('id: p.1\ndata:\n\n');
    // This stream sent more than the shared log holds: resume after what is shared.
    framing.frame(entries[1] as LogEntry);
    expect(framing.resume?.({ reason: 'handed_over', runId: 'r', lastSeq: 1 })).toBe('id: p.1\ndata:\n\n');
  });

  it('without ids, has no resume notice', () => {
    const framing = mcpCallFraming({
      canElicit: false,
      askApproval: elicitationAsker(session, createElicitationIds('secret')),
      progressToken: undefined,
      result: toolResultFraming(1),
      cancel: () => undefined,
    });
    expect('resume' in framing).toBe(false);
  });
});
