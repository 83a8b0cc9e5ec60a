import type { JwtSettings } from '../contracts/auth-option.js';

/**
 * Whether `audience` names an MCP resource of this gateway: a URL whose path is
 * `<prefix>/mcp` (RFC 8707: the MCP endpoint's own URL, which `/api/mcp` requires in `aud`).
 */
export function isMcpResourceAudience(audience: string, prefix: string): boolean {
  let url: URL;
  try {
    url = new URL(audience);
  } catch {
    return false;
  }
  return url.pathname.replace(/\/+$/, '') === `${prefix}/mcp`;
}

/**
 * The audiences the REST API accepts: the configured ones that are not an MCP resource, so that
 * a token a connector holds for `/api/mcp` reads no history and creates no schedule; every
 * configured one when `sameTokenForRestAndMcp` allows one token for both on purpose.
 */
export function restAudiencesOf(
  settings: Pick<JwtSettings, 'audience' | 'sameTokenForRestAndMcp'>,
  prefix: string,
): string[] {
  const configured = typeof settings.audience === 'string' ? [settings.audience] : settings.audience;
  if (settings.sameTokenForRestAndMcp) return [...configured];
  return configured.filter((audience) => !isMcpResourceAudience(audience, prefix));
}
