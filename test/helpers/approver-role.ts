import type { AuthorizeRequest } from '../../src/core/authorization.js';

/**
 * docs/auth.md, an approver role as a `server.authorize` hook: only principals with `scope` may
 * answer a call of `tool` (`approval.answer`); owners do the rest.
 */
export const approverRole =
  (tool: string, scope: string) =>
  ({ principal, action, resource }: AuthorizeRequest): boolean => {
    if (action === 'approval.answer' && resource.tool === tool) return principal.scopes.includes(scope);
    return resource.owner.subject === principal.subject && resource.owner.tenant === principal.tenant;
  };
