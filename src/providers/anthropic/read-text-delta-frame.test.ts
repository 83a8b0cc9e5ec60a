import { describe, expect, it } from 'vitest';
import { readTextDeltaFrame, type TextDeltaFrame } from './read-text-delta-frame.js';

const read = (data: string): TextDeltaFrame | undefined => {
  const into: TextDeltaFrame = { kind: 'text', index: -1, text: '' };
  return readTextDeltaFrame(data, into) ? into : undefined;
};

/** The data Anthropic writes for a text delta (compact JSON, its key order). */
const wire = (index: number, text: string): string =>
  JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });

/** The data Anthropic writes for a thinking delta. */
const thinkingWire = (index: number, thinking: string): string =>
  JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } });

describe('readTextDeltaFrame', () => {
  it('reads the index and text of a text delta exactly as a full parse does', () => {
    const texts = [
      'Hello',
      '',
      ' world',
      'a "quoted" word',
      'line\nbreak\ttab',
      'back\\slash',
      'é ☃ 😀',
      '\u0000\u001f',
      '"}}',
    ];
    for (const [position, text] of texts.entries()) {
      const index = position * 7;
      expect(read(wire(index, text))).toEqual({ kind: 'text', index, text });
      expect(read(thinkingWire(index, text))).toEqual({ kind: 'thinking', index, text });
    }
  });

  it('reads a text without escapes as its own characters, exactly as a full parse does', () => {
    // Written raw (not by JSON.stringify, which escapes a lone surrogate): all valid in a literal.
    for (const text of ['w0 ', 'é ☃ 😀', '\u007f', '\ud800 lone', '/', "it's"]) {
      const data = `{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"${text}"}}`;
      const parsed = JSON.parse(data) as { delta: { text: string } };
      expect(read(data)).toEqual({ kind: 'text', index: 2, text: parsed.delta.text });
    }
  });

  it('decodes escapes the way JSON does, unicode escapes included', () => {
    const data =
      '{"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"a\\u00e9\\"b\\n"}}';
    expect(read(data)).toEqual({ kind: 'text', index: 3, text: 'aé"b\n' });
  });

  it('leaves every other event to the full parse', () => {
    const others = [
      '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","text":"hm"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\""}}',
      '{"type":"content_block_stop","index":0}',
      '{"type":"message_stop"}',
      '{"type":"ping"}',
    ];
    for (const data of others) expect(read(data)).toBeUndefined();
  });

  it('leaves a text delta in any other form to the full parse', () => {
    const variants = [
      // Spacing, key order, an extra key: valid JSON the full parse reads.
      '{"type": "content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}',
      '{"type":"content_block_delta","delta":{"type":"text_delta","text":"a"},"index":0}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a","citations":[]}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"},"x":{"y":"z"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}} ',
    ];
    for (const data of variants) {
      expect(() => JSON.parse(data) as unknown).not.toThrow();
      expect(read(data)).toBeUndefined();
    }
  });

  it('leaves malformed data to the full parse, which fails on it', () => {
    const malformed = [
      '{"type":"content_block_delta","index":01,"delta":{"type":"text_delta","text":"a"}}',
      '{"type":"content_block_delta","index":,"delta":{"type":"text_delta","text":"a"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\nb"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\q"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"b"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a}}',
      '{"type":"content_block_delta","index":1234567,"delta":{"type":"text_delta","text":"a"}}',
    ];
    for (const data of malformed) expect(read(data), data).toBeUndefined();
    // All but the long index are malformed JSON: the full parse reports them.
    for (const data of malformed.slice(0, -1))
      expect(() => JSON.parse(data) as unknown, data).toThrow(SyntaxError);
  });
});
