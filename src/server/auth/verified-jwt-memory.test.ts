import { describe, expect, it } from 'vitest';
import type { SessionPrincipal } from '../../core/principal.js';
import { createVerifiedJwtMemory } from './verified-jwt-memory.js';

const principal = (subject: string): SessionPrincipal => ({
  subject,
  scopes: [],
  claims: {},
  issuer: 'https://issuer.example',
});

const START = 1_800_000_000_000;
const exp = START / 1000 + 3600;

describe('createVerifiedJwtMemory', () => {
  it('recalls a token for the audience it was verified for only', () => {
    const memory = createVerifiedJwtMemory({ maxEntries: 10, maxAgeMs: 600_000, clockToleranceSeconds: 30 });
    memory.remember('token-a', 'api://one', { principal: principal('ada'), exp }, START);
    expect(memory.recall('token-a', 'api://one', START + 1)?.subject).toBe('ada');
    expect(memory.recall('token-a', 'api://two', START + 1)).toBeUndefined();
    expect(memory.recall('token-a', undefined, START + 1)).toBeUndefined();
    expect(memory.recall('token-b', 'api://one', START + 1)).toBeUndefined();
  });

  it('forgets a token at its exp (with the tolerance) and after maxAgeMs, whichever comes first', () => {
    const memory = createVerifiedJwtMemory({ maxEntries: 10, maxAgeMs: 600_000, clockToleranceSeconds: 30 });
    memory.remember('short', undefined, { principal: principal('ada'), exp: START / 1000 + 60 }, START);
    expect(memory.recall('short', undefined, START + 89_000)).toBeDefined();
    expect(memory.recall('short', undefined, START + 90_000)).toBeUndefined();
    memory.remember('long', undefined, { principal: principal('bob'), exp }, START);
    expect(memory.recall('long', undefined, START + 599_999)).toBeDefined();
    expect(memory.recall('long', undefined, START + 600_000)).toBeUndefined();
    expect(memory.size).toBe(0);
  });

  it('drops the least recently used token beyond maxEntries, and remembers nothing without exp or with 0', () => {
    const memory = createVerifiedJwtMemory({ maxEntries: 2, maxAgeMs: 600_000, clockToleranceSeconds: 30 });
    memory.remember('one', undefined, { principal: principal('1'), exp }, START);
    memory.remember('two', undefined, { principal: principal('2'), exp }, START);
    memory.recall('one', undefined, START);
    memory.remember('three', undefined, { principal: principal('3'), exp }, START);
    expect(memory.recall('two', undefined, START)).toBeUndefined();
    expect(memory.recall('one', undefined, START)?.subject).toBe('1');
    memory.remember('no-exp', undefined, { principal: principal('4'), exp: undefined }, START);
    expect(memory.recall('no-exp', undefined, START)).toBeUndefined();
    const none = createVerifiedJwtMemory({ maxEntries: 0, maxAgeMs: 600_000, clockToleranceSeconds: 30 });
    none.remember('one', undefined, { principal: principal('1'), exp }, START);
    expect(none.size).toBe(0);
  });
});
