import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SessionRecord } from '../../../core/stores.js';
import { ownerKeyOfSession } from '../../sessions/session-owner.js';

/** The approval an `elicitation/create` request of ours asks for, sealed into its JSON-RPC id. */
export interface ElicitedApproval {
  toolCallId: string;
  nonce: string;
}

interface Sealed extends ElicitedApproval {
  owner: string;
  expiresAt: number;
}

/** Seals and opens the ids of the gateway's `elicitation/create` requests: `e1.<payload>.<mac>`. */
export interface ElicitationIds {
  seal(session: SessionRecord, approval: ElicitedApproval, ttlMs: number): string;
  /** The approval an answer's id names, for the same owner and unexpired; undefined otherwise. */
  open(id: unknown, session: SessionRecord): ElicitedApproval | undefined;
}

const ownerOf = ownerKeyOfSession;

/**
 * Creates the sealer of elicitation request ids under a key of its own. The client echoes the
 * id in its answer, which may reach any instance: the id itself says which call it answers, and
 * the MAC that the gateway minted it for this owner.
 */
export function createElicitationIds(secret: string, now: () => number = Date.now): ElicitationIds {
  const key = createHmac('sha256', secret).update('mcp-elicitation-id').digest();
  const mac = (payload: string): string => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    seal(session, approval, ttlMs) {
      const sealed: Sealed = { ...approval, owner: ownerOf(session), expiresAt: now() + ttlMs };
      const payload = Buffer.from(JSON.stringify(sealed)).toString('base64url');
      return `e1.${payload}.${mac(payload)}`;
    },
    open(id, session) {
      if (typeof id !== 'string') return undefined;
      const [version, payload, signature, ...rest] = id.split('.');
      if (version !== 'e1' || payload === undefined || signature === undefined || rest.length > 0)
        return undefined;
      const expected = Buffer.from(mac(payload));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      let sealed: Sealed;
      try {
        sealed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Sealed;
      } catch {
        return undefined;
      }
      if (sealed.owner !== ownerOf(session) || !(sealed.expiresAt > now())) return undefined;
      return { toolCallId: sealed.toolCallId, nonce: sealed.nonce };
    },
  };
}
