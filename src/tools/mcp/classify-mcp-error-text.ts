/** The sub-codes an MCP `isError` result is sorted into. */
export type McpErrorTextKind = 'not_found' | 'parse_error' | 'timeout' | 'unknown';

// Checked in order: "timed out while parsing" is a timeout before it is a parse problem.
const PATTERNS: ReadonlyArray<readonly [McpErrorTextKind, RegExp]> = [
  ['timeout', /\btimed? ?out\b|\btimeout\b|\betimedout\b/i],
  ['not_found', /not found|no such|does not exist|doesn't exist|\benoent\b|unknown tool/i],
  [
    'parse_error',
    /pars(e|ing) error|failed to parse|could not parse|unable to parse|invalid json|malformed|syntaxerror/i,
  ],
];

/**
 * Sorts the text of a failed MCP tool result into a coarse sub-code by keywords. Servers report
 * failures as free text, so this is a heuristic; it only refines `sub_code`, never `code`, and
 * anything unrecognised is `unknown`.
 */
export function classifyMcpErrorText(text: string): McpErrorTextKind {
  for (const [kind, pattern] of PATTERNS) {
    if (pattern.test(text)) return kind;
  }
  return 'unknown';
}
