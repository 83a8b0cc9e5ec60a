/** The longest tool-call id OpenAI accepts. */
const maxToolIdLength = 40;

/**
 * Maps a canonical tool id to one OpenAI accepts: anything after `|` is dropped (some providers
 * append an item id that way), characters outside `[A-Za-z0-9_-]` become `_`, and the result is
 * cut to 40 characters. Deterministic, so a tool_use and its tool_result map to the same id.
 */
export function sanitizeOpenAIToolId(id: string): string {
  const head = id.split('|', 1)[0] ?? '';
  return head.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, maxToolIdLength);
}
