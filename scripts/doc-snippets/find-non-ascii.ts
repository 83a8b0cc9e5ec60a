/** A character outside ASCII, located in the text it was found in. */
export interface NonAsciiCharacter {
  /** 1-based line within the text. */
  line: number;
  /** 1-based column, counted in characters (code points). */
  column: number;
  character: string;
  /** `U+2026` style. */
  codePoint: string;
}

/**
 * Every character above U+007F in `text`. Code in the docs is copied into editors and terminals;
 * a typographic ellipsis or quote there is a syntax error or a wrong string, so only ASCII is
 * allowed (write `...` and `'`).
 */
export function findNonAscii(text: string): NonAsciiCharacter[] {
  const found: NonAsciiCharacter[] = [];
  text.split('\n').forEach((lineText, index) => {
    let column = 0;
    for (const character of lineText) {
      column += 1;
      const value = character.codePointAt(0) ?? 0;
      if (value > 0x7f) {
        found.push({
          line: index + 1,
          column,
          character,
          codePoint: `U+${value.toString(16).toUpperCase().padStart(4, '0')}`,
        });
      }
    }
  });
  return found;
}

const REPLACEMENTS: ReadonlyArray<[RegExp, string]> = [
  [/\u2026/, "'...'"],
  [/[\u2018\u2019\u2032]/, "a straight quote '"],
  [/[\u201C\u201D\u2033]/, 'a straight quote "'],
  [/[\u2010-\u2015\u2212]/, "'-'"],
  [/[\u2192\u27F6\u21D2]/, "'->'"],
  [/[\u2190\u27F5\u21D0]/, "'<-'"],
  [/[\u00A0\u2007\u2009\u202F]/, 'a plain space'],
  [/[\u2500-\u257F\u25B2-\u25BA]/, "'-', '|', '+', '>' (a drawing)"],
];

/** What to write instead of a non-ASCII character (for the failure message), if known. */
export function asciiReplacement(character: string): string | undefined {
  return REPLACEMENTS.find(([pattern]) => pattern.test(character))?.[1];
}
