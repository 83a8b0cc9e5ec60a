import { describe, expect, it } from 'vitest';
import { splitTelegramMessage } from './split-telegram-message.js';

describe('splitTelegramMessage', () => {
  it('returns no chunk for empty text and one chunk for short text', () => {
    expect(splitTelegramMessage('')).toEqual([]);
    expect(splitTelegramMessage('one\ntwo\n')).toEqual(['one\ntwo\n']);
  });

  it('packs whole lines into chunks of at most the limit', () => {
    const text = 'aaaa\nbbbb\ncccc\ndd';
    expect(splitTelegramMessage(text, 10)).toEqual(['aaaa\nbbbb\n', 'cccc\ndd']);
  });

  it('hard-splits a line longer than the limit on its own', () => {
    const text = `short\n${'x'.repeat(25)}\nend`;
    const chunks = splitTelegramMessage(text, 10);
    expect(chunks).toEqual(['short\n', 'x'.repeat(10), 'x'.repeat(10), 'xxxxx\n', 'end']);
    expect(chunks.join('')).toBe(text);
  });

  it('never cuts a surrogate pair in half', () => {
    const text = `${'a'.repeat(9)}😀${'b'.repeat(5)}`;
    const chunks = splitTelegramMessage(text, 10);
    expect(chunks).toEqual(['a'.repeat(9), `😀${'b'.repeat(5)}`]);
  });

  it('keeps every chunk within 4096 characters by default', () => {
    const text = Array.from({ length: 300 }, (_, index) => `line ${index} ${'z'.repeat(40)}`).join('\n');
    const chunks = splitTelegramMessage(text);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.length <= 4096)).toBe(true);
    expect(chunks.join('')).toBe(text);
  });
});
