import type { AnthropicAuthMode } from './anthropic-provider-options.js';

/**
 * Fixed values of Claude-Code-style OAuth access. An OAuth token is only accepted when the
 * request identifies itself as Claude Code: the identity system block first, the beta flags
 * below, and CLI-like client headers.
 */

/** System block that must open the system prompt of an OAuth request. */
export const CLAUDE_CODE_IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude.";

/** Beta flags an OAuth request must send in `anthropic-beta`. */
export const ANTHROPIC_OAUTH_BETAS: readonly string[] = [
  'claude-code-20250219',
  'oauth-2025-04-20',
  'fine-grained-tool-streaming-2025-05-14',
];

/** Headers sent on every OAuth request (the token itself travels as `Authorization: Bearer`). */
export const ANTHROPIC_OAUTH_HEADERS: Readonly<Record<string, string>> = {
  'anthropic-beta': ANTHROPIC_OAUTH_BETAS.join(','),
  'user-agent': 'claude-cli/2.0.0 (external, cli)',
  'x-app': 'cli',
};

const betaHeader = 'anthropic-beta';

const splitBetas = (value: string): string[] =>
  value
    .split(',')
    .map((beta) => beta.trim())
    .filter((beta) => beta !== '');

/**
 * The default headers of a client: the caller's own, plus the OAuth headers in OAuth mode. The
 * caller's headers win, except that `anthropic-beta` flags are merged rather than replaced,
 * because dropping the OAuth betas would make every request fail with 401.
 */
export function buildAnthropicDefaultHeaders(
  authMode: AnthropicAuthMode,
  custom: Readonly<Record<string, string>>,
): Record<string, string> {
  if (authMode === 'api') return { ...custom };
  const headers: Record<string, string> = { ...ANTHROPIC_OAUTH_HEADERS };
  const betas = [...ANTHROPIC_OAUTH_BETAS];
  for (const [name, value] of Object.entries(custom)) {
    const lowerName = name.toLowerCase();
    if (lowerName === betaHeader) {
      for (const beta of splitBetas(value)) if (!betas.includes(beta)) betas.push(beta);
      continue;
    }
    // Header names are case-insensitive: a custom `User-Agent` replaces ours, not joins it.
    for (const existing of Object.keys(headers))
      if (existing.toLowerCase() === lowerName) delete headers[existing];
    headers[name] = value;
  }
  headers[betaHeader] = betas.join(',');
  return headers;
}
