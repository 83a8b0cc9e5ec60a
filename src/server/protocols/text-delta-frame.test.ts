import { describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../core/events.js';
import { agUiFraming } from './ag-ui/ag-ui-framing.js';
import { createAgUiEncoder } from './ag-ui/create-ag-ui-encoder.js';
import {
  complete,
  outputChunk,
  text,
  thinking,
  toolDone,
  toolStart,
} from './ai-sdk-ui/__fixtures__/run-events.js';
import { createUiMessageEncoder } from './ai-sdk-ui/create-ui-message-encoder.js';
import { uiMessageFraming } from './ai-sdk-ui/ui-message-framing.js';
import { toUiMessageSseFrames, UI_MESSAGE_STREAM_DONE } from './ai-sdk-ui/ui-message-sse.js';
import { createTextDeltaFrame } from './text-delta-frame.js';

/** Texts whose JSON needs escapes: quotes, backslashes, line breaks, control and non-ASCII characters. */
const awkwardTexts = [
  'plain',
  '',
  'say "hi"',
  'a\\b',
  'line\nbreak\r\n',
  'tab\there\u0001',
  'héllo 🌍 \u2028',
];

/** A reply that opens and closes text blocks around reasoning and tool calls, several times. */
const reply: GatewayEvent[] = [
  thinking('Let me think.'),
  ...awkwardTexts.map(text),
  toolStart('call_1', 'lookup', { q: 'x' }),
  outputChunk('call_1', 'lookup', 'partial', 1),
  toolDone('call_1', 'lookup', { found: true }),
  text('After the tool, '),
  text('a second block.'),
  thinking('Again.'),
  text('Third block.'),
  complete(),
];

const counter = (): (() => string) => {
  let next = 0;
  return () => `block_${(next += 1)}`;
};

describe('createTextDeltaFrame', () => {
  it('writes the bytes JSON.stringify writes for the whole chunk', () => {
    const frame = createTextDeltaFrame('text-delta', 'id');
    for (const id of ['a', 'b"c', 'a']) {
      for (const value of awkwardTexts) {
        expect(frame(id, value)).toBe(
          `data: ${JSON.stringify({ type: 'text-delta', id, delta: value })}\n\n`,
        );
      }
    }
  });
});

describe('frontend framings of text deltas', () => {
  it('send the same bytes on the UI message stream as the encoder chunks serialised whole', () => {
    const framing = uiMessageFraming(
      createUiMessageEncoder({ messageId: 'msg_1', createBlockId: counter() }),
      () => undefined,
    );
    const reference = createUiMessageEncoder({ messageId: 'msg_1', createBlockId: counter() });
    const sent = reply.map((event, index) => framing.frame({ seq: index + 1, event }).text).join('');
    const expected = reply.map((event) => toUiMessageSseFrames(reference.encode(event))).join('');
    expect(sent).toBe(expected + UI_MESSAGE_STREAM_DONE);
  });

  it('send the same bytes on AG-UI as the encoder events serialised whole', () => {
    const options = { threadId: 'thread_1', runId: 'run_1', model: 'm' };
    const framing = agUiFraming(createAgUiEncoder({ ...options, createId: counter() }), () => undefined);
    const reference = createAgUiEncoder({ ...options, createId: counter() });
    const sent = reply.map((event, index) => framing.frame({ seq: index + 1, event }).text).join('');
    const expected = [...reference.start(), ...reply.flatMap((event) => reference.encode(event))]
      .map((event) => `data: ${JSON.stringify(event)}\n\n`)
      .join('');
    expect(sent).toBe(expected);
  });
});
