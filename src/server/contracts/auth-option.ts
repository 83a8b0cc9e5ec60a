import { z } from 'zod';
import type { Principal } from '../../core/principal.js';
import { callable } from '../../agent-spec/parse-spec.js';

/**
 * Signature algorithms a JWT may use by default: the asymmetric ones of OpenID Connect
 * providers. HMAC (`HS*`) is never allowed: the key would be the provider's public key, which
 * anyone has, and `none` is no signature at all.
 */
export const DEFAULT_JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

/** Algorithms refused whatever the options say (see `DEFAULT_JWT_ALGORITHMS`). */
const isForbiddenAlgorithm = (algorithm: string): boolean => algorithm === 'none' || /^HS/i.test(algorithm);

/** Claim names read into a `Principal`, or a function that maps the verified claims itself. */
const claimsSchema = z.union(
  [
    z.strictObject({
      /** The subject's claim (default `sub`). */
      subject: z.string().min(1).optional(),
      /** The tenant's claim (default `org_id`, then `tenant`); Entra ID names it `tid`. */
      tenant: z.string().min(1).optional(),
      /** The scopes' claim: a space-separated string or an array (default `scope`, then `scp`). */
      scopes: z.string().min(1).optional(),
    }),
    callable<(claims: Record<string, unknown>) => Principal | null>(),
  ],
  {
    error: 'must be { subject?, tenant?, scopes? } (claim names) or a function (claims) => Principal | null',
  },
);

/** `server.auth.jwt`: bearer tokens of an OpenID Connect provider. */
const jwtSchema = z.strictObject({
  /** The provider's issuer, exactly as its tokens' `iss` say it (and its discovery document). */
  issuer: z.url({ error: 'must be the URL of the issuer (its tokens\u2019 "iss")' }),
  /**
   * The audiences accepted (`aud`): this API's identifier at the provider. On `/api/mcp` a token
   * must carry the MCP endpoint's own URL (`https://host/api/mcp`, RFC 8707), which must be
   * listed here too.
   */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Where the provider's keys are; default: `jwks_uri` of the issuer's discovery document. */
  jwksUrl: z.url().optional(),
  /** Accepted signature algorithms; `none` and `HS*` are refused (default: the asymmetric ones). */
  algorithms: z
    .array(z.string().min(1))
    .min(1)
    .refine((algorithms) => !algorithms.some(isForbiddenAlgorithm), {
      message: 'must not contain "none" or an HMAC algorithm (HS256...): the key would be public',
    })
    .default(() => [...DEFAULT_JWT_ALGORITHMS]),
  /** How a `Principal` is read from the claims (default `sub`, `org_id`/`tenant`, `scope`/`scp`). */
  claims: claimsSchema.optional(),
  /**
   * Scopes every token must carry on `/api/mcp` and `/api/a2a`; named in the protected-resource
   * metadata and in `WWW-Authenticate`, and refused with 403 `insufficient_scope`. Default none.
   */
  requiredScopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token'))
    .default(() => []),
  /**
   * Whether one token may serve both surfaces on purpose. By default audiences are bound to
   * surfaces: the REST API accepts the configured audiences that are not an MCP resource (a URL
   * ending in `<prefix>/mcp`), `/api/mcp` only its own URL, and a session made from a token at
   * `/chat/init` only where the token would be accepted. `true` lets a token of either surface
   * (and its sessions) work on both. Default false.
   */
  sameTokenForRestAndMcp: z.boolean().default(false),
  /** Largest accepted token in bytes (8 KiB); a longer one is refused before any parsing. */
  maxTokenBytes: z.number().int().positive().default(8192),
});

/**
 * `server.auth`: how callers prove who they are. Several may be on at once (API keys for
 * servers, JWTs for browsers); the first that recognises a request decides.
 */
export const authOptionSchema = z.strictObject({
  /**
   * Sessions opened with an API key at `/chat/init` (`server.validApiKeys`,
   * `server.serverSideApiKeys`), and on `/api/mcp` and `/api/a2a` a listed API key itself as the
   * bearer. On by default; `false` accepts only JWTs and the `authenticate` hook.
   */
  apiKeys: z.boolean().default(true),
  /** Bearer tokens of an OpenID Connect provider, verified against its published keys. */
  jwt: jwtSchema.optional(),
  /**
   * Anything else (a session cookie of the app, mTLS headers set by a trusted proxy): returns
   * the caller, or null to let the other methods try. Runs first. A throw is a 401.
   */
  authenticate: callable<(request: Request) => Principal | null | Promise<Principal | null>>().optional(),
});

/** `server.auth` as the schema outputs it. */
export type AuthSettings = z.output<typeof authOptionSchema>;

/** `server.auth.jwt` as the schema outputs it. */
export type JwtSettings = z.output<typeof jwtSchema>;
