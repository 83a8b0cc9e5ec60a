/**
 * Who is calling, whatever proved it: an OpenID Connect token, the app's own `authenticate`
 * hook, or (with no person behind it) an API key. The owner of what the caller creates is
 * derived from it (see `ownerKeyOfPrincipal` in the server).
 */
export interface Principal {
  /** The caller's stable id at its issuer (`sub` by default). */
  subject: string;
  /** The organisation the caller acts for (`org_id` or `tenant` by default); absent for none. */
  tenant?: string;
  /** What the token lets the caller do (`scope` or `scp` by default); empty for none. */
  scopes: string[];
  /** The token's verified claims as they were (empty for principals of the `authenticate` hook). */
  claims: Record<string, unknown>;
}

/** The issuer recorded for principals of the app's own `authenticate` hook. */
export const HOOK_ISSUER = 'authenticate';

/**
 * A principal as a session carries it: the principal, and the issuer that vouched for it.
 * Two issuers may hand out the same `subject`; keying by both keeps them apart.
 */
export interface SessionPrincipal extends Principal {
  /** The JWT issuer (`iss`), or `authenticate` for principals of the app's own hook. */
  issuer: string;
  /**
   * The token's audiences (`aud`), for a principal of a JWT: a session made from it is accepted
   * only on the surfaces (REST API, MCP resource) that would accept the token itself.
   */
  audiences?: string[];
  /** When the token expires (`exp`, unix seconds), for a principal of a JWT: a session made from it ends by then. */
  expiresAt?: number;
  /**
   * When what vouched for it was issued (unix seconds): a JWT's `iat` (else when it was
   * verified), the moment the `authenticate` hook answered. Work stored with a principal
   * (schedules) is only ever given a newer one: an older session cannot write back rights taken
   * away since.
   */
  issuedAt?: number;
}
