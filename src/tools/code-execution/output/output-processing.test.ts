import { describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../../core/events.js';
import { createChunkEmitter } from './chunk-emitter.js';
import { clipOutput } from './clip-output.js';
import { createLineSplitter } from './line-splitter.js';
import { createOutputCapture } from './output-capture.js';
import { OutputRingBuffer } from './output-ring-buffer.js';

describe('clipOutput', () => {
  it('keeps output that fits the budget untouched', () => {
    expect(clipOutput({ text: 'out' }, { text: 'err' }, 10)).toEqual({
      stdout: 'out',
      stderr: 'err',
      clipped: false,
    });
  });

  it('gives stderr at most 60 % when both streams are long, each clipped part ending with "..."', () => {
    const clipped = clipOutput({ text: 'o'.repeat(500) }, { text: 'e'.repeat(500) }, 100);
    expect(clipped).toEqual({
      stdout: `${'o'.repeat(37)}...`,
      stderr: `${'e'.repeat(57)}...`,
      clipped: true,
    });
  });

  it('lets either stream use what the other leaves', () => {
    expect(clipOutput({ text: 'ok' }, { text: 'e'.repeat(500) }, 100).stderr).toBe(`${'e'.repeat(95)}...`);
    expect(clipOutput({ text: 'o'.repeat(500) }, { text: 'bad' }, 100).stdout).toBe(`${'o'.repeat(94)}...`);
  });

  it('marks a stream that produced more than was captured, even when the kept part fits', () => {
    expect(clipOutput({ text: 'o'.repeat(10), overflowed: true }, { text: '' }, 10)).toEqual({
      stdout: `${'o'.repeat(7)}...`,
      stderr: '',
      clipped: true,
    });
  });

  it('never cuts a multi-byte character in half', () => {
    const { stdout } = clipOutput({ text: 'é'.repeat(100) }, { text: '' }, 10);
    expect(stdout).toBe('ééé...');
  });
});

describe('createLineSplitter', () => {
  it('delivers whole lines across chunk and character boundaries', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line));
    const bytes = Buffer.from('first\nsé', 'utf8');
    splitter.push(bytes.subarray(0, 8)); // ends inside "é"
    splitter.push(Buffer.concat([bytes.subarray(8), Buffer.from('cond\nrest')]));
    splitter.end();
    expect(lines).toEqual(['first\n', 'sécond\n', 'rest']);
  });

  it('hands over a line without newline once it reaches the limit', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line), 4);
    splitter.push(Buffer.from('abcdefghij'));
    expect(lines).toEqual(['abcd', 'efgh']);
    splitter.end();
    expect(lines).toEqual(['abcd', 'efgh', 'ij']);
  });
});

describe('createChunkEmitter', () => {
  const collect = (maxEvents = 500, maxBytes = 4096) => {
    const events: GatewayEvent[] = [];
    const emitter = createChunkEmitter({
      toolCallId: 'toolu_1',
      toolName: 'code_execute',
      emit: (event) => events.push(event),
      maxEvents,
      maxBytes,
    });
    return { events, emitter };
  };

  it('numbers events from 1 across both streams', () => {
    const { events, emitter } = collect();
    emitter.emit('stdout', 'a\n');
    emitter.emit('stderr', 'b\n');
    emitter.emit('stdout', 'c\n');
    expect(events).toEqual([
      {
        type: 'tool_output_chunk',
        tool_call_id: 'toolu_1',
        tool_name: 'code_execute',
        stream: 'stdout',
        text: 'a\n',
        seq: 1,
      },
      {
        type: 'tool_output_chunk',
        tool_call_id: 'toolu_1',
        tool_name: 'code_execute',
        stream: 'stderr',
        text: 'b\n',
        seq: 2,
      },
      {
        type: 'tool_output_chunk',
        tool_call_id: 'toolu_1',
        tool_name: 'code_execute',
        stream: 'stdout',
        text: 'c\n',
        seq: 3,
      },
    ]);
  });

  it('splits text over the byte limit and stops after the event budget', () => {
    const { events, emitter } = collect(3, 4);
    emitter.emit('stdout', 'ééé'); // 6 bytes → "éé" + "é"
    emitter.emit('stdout', 'abcdefgh');
    expect(events.map((event) => (event.type === 'tool_output_chunk' ? event.text : ''))).toEqual([
      'éé',
      'é',
      'abcd',
    ]);
  });
});

describe('output capture and tails', () => {
  it('keeps the first bytes of a flood and reports the overflow', () => {
    const capture = createOutputCapture(5);
    capture.append(Buffer.from('abc'));
    capture.append(Buffer.from('defgh'));
    expect(capture.text()).toBe('abcde');
    expect(capture.overflowed).toBe(true);
  });

  it('remembers only the last lines', () => {
    const tail = new OutputRingBuffer(2);
    tail.push('one\ntwo\nthr');
    tail.push('ee\n');
    expect(tail.tail()).toBe('two\nthree');
    tail.push('four');
    expect(tail.tail(2)).toBe('three\nfour');
  });
});
