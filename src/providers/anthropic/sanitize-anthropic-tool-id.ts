import { createHash } from 'node:crypto';

/** Longest tool id Anthropic accepts. */
export const ANTHROPIC_TOOL_ID_MAX_LENGTH = 64;

// 55 kept characters + `_` + 8 hex digits = 64.
const keptPrefixLength = 55;
const hashLength = 8;

/**
 * Maps any tool id to one Anthropic accepts (`^[A-Za-z0-9_-]{1,64}$`): other characters become
 * `_`; an id still too long keeps 55 characters plus `_` and the first 8 hex digits of the SHA-1
 * of the id as given, so distinct long ids stay distinct. Deterministic, because tool_use and
 * tool_result blocks are rewritten independently and must still pair up.
 */
export function sanitizeAnthropicToolId(id: string): string {
  const replaced = id.replace(/[^A-Za-z0-9_-]/g, '_');
  const safe = replaced === '' ? '_' : replaced;
  if (safe.length <= ANTHROPIC_TOOL_ID_MAX_LENGTH) return safe;
  const digest = createHash('sha1').update(id, 'utf8').digest('hex').slice(0, hashLength);
  return `${safe.slice(0, keptPrefixLength)}_${digest}`;
}
