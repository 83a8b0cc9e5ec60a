/** UTF-8 size of a string. */
export const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a
 * character (a cut multi-byte sequence would turn into a replacement character).
 */
export function takeUtf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // Step back over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/** Splits `text` into pieces of at most `maxBytes` UTF-8 bytes each, on character boundaries. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest !== '') {
    const piece = takeUtf8Prefix(rest, maxBytes);
    // A single character wider than maxBytes cannot be split; send it whole.
    const taken = piece === '' ? String.fromCodePoint(rest.codePointAt(0) ?? 0) : piece;
    pieces.push(taken);
    rest = rest.slice(taken.length);
  }
  return pieces;
}
