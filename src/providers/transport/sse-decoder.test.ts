import { describe, expect, it } from 'vitest';
import { SseDecoder, type SseMessage } from './sse-decoder.js';

const decode = (...chunks: string[]): SseMessage[] => {
  const decoder = new SseDecoder();
  const out: SseMessage[] = [];
  for (const chunk of chunks) decoder.push(chunk, out);
  decoder.end(out);
  return out;
};

describe('SseDecoder', () => {
  it('dispatches named events on blank lines and joins data lines with newlines', () => {
    expect(decode('event: a\ndata: 1\n\ndata: x\ndata: y\n\n')).toEqual([
      { event: 'a', data: '1' },
      { event: null, data: 'x\ny' },
    ]);
  });

  it('accepts CRLF and CR line endings, also when a CRLF is split between chunks', () => {
    expect(decode('event: a\r', '\ndata: 1\r\n\r', '\nevent: b\rdata: 2\r\rdata: 3\n\n')).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
      { event: null, data: '3' },
    ]);
  });

  it('reassembles lines split across chunks anywhere', () => {
    const text = 'event: content_block_delta\ndata: {"text":"héllo"}\n\n';
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(decode(text.slice(0, cut), text.slice(cut))).toEqual([
        { event: 'content_block_delta', data: '{"text":"héllo"}' },
      ]);
    }
  });

  it('ignores comments, unknown fields and a byte-order mark, and drops only one space after the colon', () => {
    expect(decode('\uFEFF: comment\nid: 7\nretry: 5\nevent:x\ndata:  two spaces\n\n')).toEqual([
      { event: 'x', data: ' two spaces' },
    ]);
  });

  it('does not dispatch an event whose blank line never came', () => {
    expect(decode('event: a\ndata: 1\n\nevent: b\ndata: 2')).toEqual([{ event: 'a', data: '1' }]);
  });

  it('reads a field without a colon as an empty value, and keeps empty data lines', () => {
    expect(decode('event\ndata\ndata:\ndata: z\n\nevent: only\n\ndataX: no\nevents: no\n\n')).toEqual([
      { event: '', data: '\n\nz' },
      { event: 'only', data: '' },
    ]);
  });

  it('dispatches a data-only event with an empty value and ignores lines that are only a BOM', () => {
    expect(decode('data:\n\n\uFEFF\n\uFEFFdata: x\n\n')).toEqual([
      { event: null, data: '' },
      { event: null, data: 'x' },
    ]);
  });
});
