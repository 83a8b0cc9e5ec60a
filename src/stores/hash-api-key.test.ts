import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateJwtSecret } from './generate-jwt-secret.js';
import { hashApiKey } from './hash-api-key.js';

describe('hashApiKey', () => {
  it('is the first 16 hex characters of the SHA-256 of the key', () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea');
    expect(hashApiKey('key-1')).toBe(createHash('sha256').update('key-1').digest('hex').slice(0, 16));
    expect(hashApiKey('key-1')).not.toBe(hashApiKey('key-2'));
  });
});

describe('generateJwtSecret', () => {
  it('returns 64 random hex characters', () => {
    const first = generateJwtSecret();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(generateJwtSecret()).not.toBe(first);
  });
});
