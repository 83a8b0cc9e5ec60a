import { randomBytes } from 'node:crypto';

/**
 * Returns a fresh random session-token secret: 64 hex characters (256 bits). Tokens signed with
 * a per-process secret do not survive a restart and are not shared between instances; pass a
 * fixed secret to every instance when that matters.
 */
export function generateJwtSecret(): string {
  return randomBytes(32).toString('hex');
}
