/** The start of a streamed delta's data as Anthropic writes it (compact JSON, its own key order). */
const PREFIX = '{"type":"content_block_delta","index":';
/** What follows the block index of a text delta, up to its text's opening quote (included). */
const TEXT_DELTA = ',"delta":{"type":"text_delta","text":"';
/** What follows the block index of a thinking delta, up to its text's opening quote (included). */
const THINKING_DELTA = ',"delta":{"type":"thinking_delta","thinking":"';
/** What follows the text's closing quote. */
const SUFFIX = '}}';
/** Block indexes longer than this are left to the full parse. */
const MAX_INDEX_DIGITS = 6;

/** A text or thinking delta read by `readTextDeltaFrame` (one object, refilled per frame). */
export interface TextDeltaFrame {
  kind: 'text' | 'thinking';
  index: number;
  text: string;
}

/**
 * The text of the string literal whose characters are `data[start, end)` when it has no escape
 * and no character JSON forbids in a literal (a quote, a control character): then it is those
 * characters as they are. Undefined otherwise (left to `JSON.parse`).
 */
function plainLiteralText(data: string, start: number, end: number): string | undefined {
  for (let position = start; position < end; position += 1) {
    const code = data.charCodeAt(position);
    if (code < 0x20 || code === 0x22 || code === 0x5c) return undefined;
  }
  return data.slice(start, end);
}

/**
 * Reads the data of a `content_block_delta` frame carrying a `text_delta` or a
 * `thinking_delta`, written exactly as Anthropic writes it
 * (`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"…"}}`), into
 * `into`, without parsing the whole object: only the text's string literal is read (parsed when
 * it has escapes). Returns
 * false for any other data, and for anything unusual in this shape (spacing, key order, more
 * keys, a malformed literal): the caller parses that in full, with the full parse's result or
 * error. So the outcome is always what `JSON.parse` of the whole data would give.
 */
export function readTextDeltaFrame(data: string, into: TextDeltaFrame): boolean {
  if (!data.startsWith(PREFIX)) return false;
  let position = PREFIX.length;
  let index = 0;
  const digitsEnd = Math.min(data.length, position + MAX_INDEX_DIGITS);
  for (; position < digitsEnd; position += 1) {
    const digit = data.charCodeAt(position) - 0x30;
    if (digit < 0 || digit > 9) break;
    // A leading zero is not JSON: left to the full parse (and its error).
    if (index === 0 && position > PREFIX.length) return false;
    index = index * 10 + digit;
  }
  if (position === PREFIX.length) return false;
  let kind: TextDeltaFrame['kind'];
  if (data.startsWith(TEXT_DELTA, position)) {
    kind = 'text';
    position += TEXT_DELTA.length;
  } else if (data.startsWith(THINKING_DELTA, position)) {
    kind = 'thinking';
    position += THINKING_DELTA.length;
  } else {
    return false;
  }
  const literalStart = position - 1;
  const literalEnd = data.length - SUFFIX.length;
  if (literalEnd - literalStart < 2 || !data.endsWith(SUFFIX) || data.charCodeAt(literalEnd - 1) !== 0x22) {
    return false;
  }
  // Most texts have no escape: their characters are the text. Any other literal from the opening
  // to the last quote is parsed: a valid one is the whole text (and then the data is exactly the
  // shape above); anything else fails here and goes to the full parse.
  let text = plainLiteralText(data, literalStart + 1, literalEnd - 1);
  if (text === undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.slice(literalStart, literalEnd));
    } catch {
      return false;
    }
    if (typeof parsed !== 'string') return false;
    text = parsed;
  }
  into.kind = kind;
  into.index = index;
  into.text = text;
  return true;
}
