/** Longest text one Telegram `sendMessage` accepts. */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** Cuts an over-long line into pieces of at most `maxLength`, never inside a surrogate pair. */
function hardSplit(line: string, maxLength: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < line.length) {
    let end = Math.min(start + maxLength, line.length);
    if (end < line.length && end - start > 1 && isHighSurrogate(line.charCodeAt(end - 1))) end -= 1;
    pieces.push(line.slice(start, end));
    start = end;
  }
  return pieces;
}

/**
 * Splits text into Telegram-sized messages on line boundaries: lines (with their newlines) are
 * packed into chunks of at most `maxLength` characters; a single line longer than that is
 * hard-split on its own. Concatenating the chunks gives back the text exactly.
 */
export function splitTelegramMessage(text: string, maxLength: number = TELEGRAM_MESSAGE_LIMIT): string[] {
  if (text === '') return [];
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split(/(?<=\n)/)) {
    if (line.length > maxLength) {
      if (current !== '') chunks.push(current);
      current = '';
      chunks.push(...hardSplit(line, maxLength));
      continue;
    }
    if (current.length + line.length > maxLength) {
      chunks.push(current);
      current = '';
    }
    current += line;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
