import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../core/events.js';
import { nativeSseFraming } from './sse-framing.js';

const bigEntry = (seq: number): LogEntry => ({
  seq,
  event: {
    type: 'tool_call_complete',
    tool_call_id: `call_${seq}`,
    tool_name: 'code_execute',
    result: { images: ['i'.repeat(200 * 1024)] },
    error: null,
    duration_ms: 1,
    server: null,
  },
});

describe('nativeSseFraming', () => {
  it('serialises and encodes a large entry once for every follower of a run', () => {
    const followers = [0, 1, 2, 3].map(() => nativeSseFraming('run-1'));
    const entry = bigEntry(7);
    const frames = followers.map((framing) => framing.frame(entry).bytes);
    expect(frames[0]).toBeInstanceOf(Uint8Array);
    // The same bytes, not equal copies: the work (and the memory) is paid once.
    for (const bytes of frames) expect(bytes).toBe(frames[0]);
    expect(
      new TextDecoder().decode(frames[0]).startsWith('id: run-1:7\ndata: {"type":"tool_call_complete"'),
    ).toBe(true);
  });

  it('frames the same entry afresh for a stream of another run, and a small entry as text', () => {
    const entry = bigEntry(3);
    const first = nativeSseFraming('run-1').frame(entry).bytes;
    const other = nativeSseFraming('run-2').frame(entry).bytes;
    expect(other).not.toBe(first);
    expect(new TextDecoder().decode(other).startsWith('id: run-2:3\n')).toBe(true);
    const small = nativeSseFraming('run-1').frame({ seq: 1, event: { type: 'text_delta', text: 'hi' } });
    expect(small).toMatchObject({
      text: 'id: run-1:1\ndata: {"type":"text_delta","text":"hi"}\n\n',
      last: false,
    });
    expect(small.bytes).toBeUndefined();
  });
});
