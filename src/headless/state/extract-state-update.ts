import type { JsonObject } from './json-object-file.js';

/** The heading after which the model writes the state it wants to keep. */
export const STATE_UPDATE_MARKER = '## STATE_UPDATE_JSON';

/** A fenced ```json block holding one object; lazy, so each fence is matched on its own. */
const JSON_FENCE = /```json\s*(\{[\s\S]*?\})\s*```/g;

/**
 * Extracts the state update a model wrote in its answer: the last ```json fenced block that
 * parses to a JSON object. When the text contains `## STATE_UPDATE_JSON`, only the text after
 * its last occurrence is searched, so example JSON earlier in the answer is ignored. Returns
 * `{}` when there is none.
 */
export function extractStateUpdate(text: string): JsonObject {
  if (typeof text !== 'string' || text.trim() === '') return {};
  const markerIndex = text.lastIndexOf(STATE_UPDATE_MARKER);
  const section = markerIndex >= 0 ? text.slice(markerIndex) : text;
  const candidates = [...section.matchAll(JSON_FENCE)].map((match) => match[1] ?? '');
  for (const candidate of candidates.reverse()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as JsonObject;
  }
  return {};
}
