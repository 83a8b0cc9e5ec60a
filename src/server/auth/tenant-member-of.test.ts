import { describe, expect, it } from 'vitest';
import type { SessionPrincipal } from '../../core/principal.js';
import { identityOfPrincipal } from '../sessions/principal-session.js';
import { tenantMemberOf } from './tenant-member-of.js';

const principal = (issuer: string, tenant: string | undefined, subject: string): SessionPrincipal => ({
  issuer,
  subject,
  ...(tenant === undefined ? {} : { tenant }),
  scopes: ['read'],
  claims: { sub: subject },
});

/** The owner a principal's things are stored under. */
const ownerOf = (of: SessionPrincipal) => {
  const { apiKeyHash, user } = identityOfPrincipal(of);
  return user === undefined ? { apiKeyHash } : { apiKeyHash, user };
};

describe('tenantMemberOf', () => {
  const bob = principal('https://idp.example', 'acme', 'bob');

  it("names another principal of the caller's issuer and tenant, without scopes or claims", () => {
    expect(tenantMemberOf(bob, ownerOf(principal('https://idp.example', 'acme', 'ada')))).toEqual({
      subject: 'ada',
      tenant: 'acme',
      scopes: [],
      claims: {},
    });
  });

  it('names no one of another tenant or issuer, the caller itself, an API key, or for a caller of no tenant', () => {
    for (const stranger of [
      ownerOf(principal('https://idp.example', 'globex', 'ada')),
      ownerOf(principal('https://other.example', 'acme', 'ada')),
      ownerOf(principal('https://idp.example', undefined, 'ada')),
      ownerOf(bob),
      { apiKeyHash: 'a'.repeat(16) },
      { apiKeyHash: 'a'.repeat(16), user: 'ada' },
    ]) {
      expect(tenantMemberOf(bob, stranger)).toBeUndefined();
    }
    const noTenant = principal('https://idp.example', undefined, 'bob');
    expect(
      tenantMemberOf(noTenant, ownerOf(principal('https://idp.example', undefined, 'ada'))),
    ).toBeUndefined();
    expect(
      tenantMemberOf(undefined, ownerOf(principal('https://idp.example', 'acme', 'ada'))),
    ).toBeUndefined();
  });
});
