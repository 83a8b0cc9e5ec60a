import type { Principal } from '../../src/core/principal.js';

/**
 * An `auth.authenticate` hook for tests of tenants and roles: `Bearer tm:<tenant>:<subject>:<scope,scope>`
 * is that member of that tenant with those scopes and a copy of `claims`; any other header is no one.
 */
export const memberHookWithClaims =
  (claims: Readonly<Record<string, unknown>>) =>
  (request: Request): Principal | null => {
    const match = /^Bearer tm:([a-z]+):([a-z]+):([a-z:,]*)$/.exec(request.headers.get('authorization') ?? '');
    if (match === null) return null;
    return {
      subject: match[2] ?? '',
      tenant: match[1] ?? '',
      scopes: (match[3] ?? '').split(',').filter((scope) => scope !== ''),
      claims: { ...claims },
    };
  };

/** `memberHookWithClaims` with no claims. */
export const memberHook = memberHookWithClaims({});
