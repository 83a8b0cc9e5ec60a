/** The longest string a log entry carries whole, in UTF-16 code units. */
export const MAX_LOGGED_STRING_CHARS = 2_048;

/**
 * `text` cut to `max` characters, with how much was left out: `abc… [498000 more characters]`.
 * Log lines carry strings that clients and the model choose (a client-side tool's error code,
 * a tool name); clipped, one entry cannot fill a disk or a log store's line limit. A surrogate
 * pair is never split.
 */
export function clipLogText(text: string, max = MAX_LOGGED_STRING_CHARS): string {
  if (text.length <= max) return text;
  const lastKept = text.charCodeAt(max - 1);
  const end = lastKept >= 0xd800 && lastKept <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}… [${text.length - end} more characters]`;
}

/**
 * Characters that change what a terminal shows or does when printed raw: C0 and C1 controls
 * (ESC starts the sequences that clear lines or retitle the window), DEL, the Unicode line and
 * paragraph separators and the bidirectional overrides and isolates.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same class, not global: a `test` that keeps no `lastIndex` between calls. */
const HAS_CONTROL_CHARACTER = new RegExp(CONTROL_CHARACTERS.source);

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every control character written as a JSON-style escape (`\u001b`, `\r`), so a
 * logged value is shown, never obeyed, by the terminal that prints it. The escapes are valid in
 * a JSON string too.
 */
export function escapeControlCharacters(text: string): string {
  // Almost every line has none: a scan that finds nothing costs less than a replace that does.
  if (!HAS_CONTROL_CHARACTER.test(text)) return text;
  return text.replace(
    CONTROL_CHARACTERS,
    (character) => SHORT_ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
