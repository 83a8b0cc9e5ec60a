import { describe, expect, it } from 'vitest';
import { asciiReplacement, findNonAscii } from './find-non-ascii.js';

describe('findNonAscii', () => {
  it('finds an ellipsis placeholder with its line and column', () => {
    expect(findNonAscii("const a = 1;\nsend({ prompt: 'Summarise: \u2026' });\n")).toEqual([
      { line: 2, column: 28, character: '\u2026', codePoint: 'U+2026' },
    ]);
  });

  it('counts a character outside the BMP as one column', () => {
    const found = findNonAscii('\u{1F600}x\u00A0');
    expect(found.map(({ column, codePoint }) => [column, codePoint])).toEqual([
      [1, 'U+1F600'],
      [3, 'U+00A0'],
    ]);
  });

  it('accepts plain ASCII, tabs included', () => {
    expect(findNonAscii("\tconst s = '...'; // -> ok\n")).toEqual([]);
  });
});

describe('asciiReplacement', () => {
  it('suggests what to write instead of common typographic characters', () => {
    expect(asciiReplacement('\u2026')).toBe("'...'");
    expect(asciiReplacement('\u2192')).toBe("'->'");
    expect(asciiReplacement('\u2019')).toBe("a straight quote '");
    expect(asciiReplacement('\u00E9')).toBeUndefined();
  });
});
