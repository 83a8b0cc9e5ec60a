import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionRecord } from '../../../core/stores.js';
import { ownerKeyOfSession } from '../../contracts/session-owner.js';
import { ChurnMap } from '../../../core/churn-map.js';
import { evictOldest } from '../../../core/evict-oldest.js';

/** What an MCP session (2025-11-25) is: the handshake any instance replays to serve it. */
export interface McpSessionClaims {
  /** Owner: hash of the API key and end user of the session that opened it. */
  owner: string;
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string };
  /** Unix ms after which the session is gone. */
  expiresAt: number;
}

/**
 * Most verified ids one instance remembers (the oldest forgotten first, an eighth of them at a
 * time: see `evictOldest`).
 */
const MAX_VERIFIED = 10_000;

/** Largest JSON of the claims a session id carries (a client's capabilities are its to size). */
const MAX_CLAIMS_BYTES = 4096;

const ownerOf = (session: SessionRecord): string =>
  createHmac('sha256', 'mcp-owner').update(ownerKeyOfSession(session)).digest('base64url').slice(0, 22);

/** Signs and checks MCP session ids: `m1.<claims>.<mac>`, under a key of their own. */
export interface McpSessionIds {
  mint(session: SessionRecord, handshake: Omit<McpSessionClaims, 'owner' | 'expiresAt'>): string | undefined;
  /** The claims of a valid, unexpired id of `session`'s owner; undefined otherwise. */
  verify(id: string, session: SessionRecord): McpSessionClaims | undefined;
}

/** Creates the signer of MCP session ids from the gateway's secret (a derived key). */
export function createMcpSessionIds(
  secret: string,
  ttlMs: number,
  now: () => number = Date.now,
): McpSessionIds {
  const key = createHmac('sha256', secret).update('mcp-session-id').digest();
  const mac = (payload: string): string => createHmac('sha256', key).update(payload).digest('base64url');
  /** Ids verified lately, with the plain owner they were verified for: a call skips the MACs. */
  const verified = new ChurnMap<string, { owner: string; claims: McpSessionClaims }>();
  const plainOwner = ownerKeyOfSession;
  return {
    mint(session, handshake) {
      const claims: McpSessionClaims & { nonce: string } = {
        ...handshake,
        owner: ownerOf(session),
        expiresAt: now() + ttlMs,
        nonce: randomBytes(9).toString('base64url'),
      };
      const json = JSON.stringify(claims);
      if (Buffer.byteLength(json) > MAX_CLAIMS_BYTES) return undefined;
      const payload = Buffer.from(json).toString('base64url');
      return `m1.${payload}.${mac(payload)}`;
    },
    verify(id, session) {
      const known = verified.get(id);
      if (known !== undefined && known.owner === plainOwner(session)) {
        return known.claims.expiresAt > now() ? known.claims : undefined;
      }
      const [version, payload, signature, ...rest] = id.split('.');
      if (version !== 'm1' || payload === undefined || signature === undefined || rest.length > 0)
        return undefined;
      const expected = Buffer.from(mac(payload));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      let claims: McpSessionClaims;
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as McpSessionClaims;
      } catch {
        return undefined;
      }
      if (claims.owner !== ownerOf(session) || !(claims.expiresAt > now())) return undefined;
      verified.set(id, { owner: plainOwner(session), claims });
      evictOldest(verified, MAX_VERIFIED);
      return claims;
    },
  };
}
