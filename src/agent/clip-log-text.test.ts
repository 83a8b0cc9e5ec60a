import { describe, expect, it } from 'vitest';
import { clipLogText, escapeControlCharacters } from './clip-log-text.js';

describe('escapeControlCharacters', () => {
  it('returns text without control characters as it is', () => {
    const text = 'plain "text" with emoji 😀 and é';
    expect(escapeControlCharacters(text)).toBe(text);
  });

  it('escapes every control character, call after call', () => {
    const hostile = 'a\u0000b\nc\rd\te\u001bf\u007fg\u0085h\u009bi\u2028j\u2029k\u202al\u202em\u2066n\u2069o';
    const escaped = String.raw`a\u0000b\nc\rd\te\u001bf\u007fg\u0085h\u009bi\u2028j\u2029k\u202al\u202em\u2066n\u2069o`;
    for (let call = 0; call < 3; call += 1) {
      expect(escapeControlCharacters(hostile)).toBe(escaped);
      expect(escapeControlCharacters('clean')).toBe('clean');
      expect(escapeControlCharacters('\u001b')).toBe(String.raw`\u001b`);
    }
  });
});

describe('clipLogText', () => {
  it('keeps text up to the limit whole and clips longer text without splitting a surrogate pair', () => {
    expect(clipLogText('abcd', 4)).toBe('abcd');
    expect(clipLogText('abcde', 4)).toBe('abcd… [1 more characters]');
    expect(clipLogText('abc😀z', 4)).toBe('abc… [3 more characters]');
  });
});
