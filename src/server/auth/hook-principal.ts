import { HOOK_ISSUER, type SessionPrincipal } from '../../core/principal.js';
import { HttpError } from '../../core/http-error.js';
import type { AuthSettings } from '../contracts/auth-option.js';

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * The principal the app's `authenticate` hook gives `request`, or undefined when there is no
 * hook or it declines (returns null). A hook that throws or gives no subject refuses the request
 * with 401 through `refuse`, which logs why; scopes are kept when they are non-empty strings.
 */
export async function hookPrincipalOf(
  authenticate: AuthSettings['authenticate'],
  request: Request,
  refuse: (request: Request, reason: string, error: HttpError) => never,
): Promise<SessionPrincipal | undefined> {
  if (authenticate === undefined) return undefined;
  let principal: Awaited<ReturnType<NonNullable<AuthSettings['authenticate']>>>;
  try {
    principal = await authenticate(request);
  } catch (error) {
    return refuse(
      request,
      `authenticate hook threw: ${String(error).slice(0, 200)}`,
      HttpError.detail(401, 'Unauthorized'),
    );
  }
  if (principal === null) return undefined;
  if (!isNonEmptyString(principal.subject)) {
    return refuse(request, 'authenticate hook returned no subject', HttpError.detail(401, 'Unauthorized'));
  }
  return {
    subject: principal.subject,
    ...(isNonEmptyString(principal.tenant) ? { tenant: principal.tenant } : {}),
    scopes: Array.isArray(principal.scopes) ? principal.scopes.filter(isNonEmptyString) : [],
    claims: principal.claims ?? {},
    issuer: HOOK_ISSUER,
    issuedAt: Date.now() / 1000,
  };
}
