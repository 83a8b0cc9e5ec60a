import { createHash } from 'node:crypto';

/**
 * Fingerprints an API key as the first 16 hex characters of its SHA-256 (the `api_key_hash`
 * claim's format). Sessions store and sign only this fingerprint, never the key itself.
 */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex').slice(0, 16);
}
