import type { SessionRecord } from '../../core/stores.js';
import type { Page, ThreadRecord, ThreadStore } from '../../core/thread-store.js';
import { HttpError } from '../../core/http-error.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import { tenantMemberOf } from '../auth/tenant-member-of.js';
import { ownerOfSession, tenantKeyOfSession } from '../contracts/session-owner.js';

/** Which threads `GET /threads` lists: the caller's (`own`, the default) or its tenant's too. */
export type ThreadListScope = 'own' | 'tenant';

/** `?scope=`: `own` (or absent) or `tenant`; anything else is a 400. */
export function parseListScope(scope: string | undefined): ThreadListScope {
  if (scope === undefined || scope === '' || scope === 'own') return 'own';
  if (scope === 'tenant') return 'tenant';
  throw HttpError.detail(400, 'scope must be "own" or "tenant"');
}

const sameOwner = (left: ThreadRecord['owner'], right: ThreadRecord['owner']): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

/**
 * `GET /threads?scope=tenant`: the caller's threads and those of the other principals of its
 * issuer and tenant that `server.authorize` allows `thread.read` on (asked once per thread, with
 * the thread's owner as `resource.owner`), newest first, a page at a time. The store lists by
 * the caller's tenant key; each other owner is checked again to be of the caller's tenant
 * (`tenantMemberOf`), so nothing of another tenant is ever offered to the hook or shown. A
 * refused thread is left out of its page, and the cursor is the store's (the last thread read,
 * shown or not), so a page may hold fewer than `limit` threads, even none, with a
 * `next_cursor`. Without the hook, or for a caller of no tenant, it is the caller's own list.
 */
export function createTenantThreadList(authorizer: RequestAuthorizer | undefined) {
  return async function listTenantThreads(
    session: SessionRecord,
    page: { limit: number; cursor?: string },
    call: <Result>(run: (store: ThreadStore) => Promise<Result>) => Promise<Result>,
  ): Promise<Page<ThreadRecord>> {
    const owner = ownerOfSession(session);
    const tenantKey = authorizer === undefined ? undefined : tenantKeyOfSession(session);
    const listed = await call((store) =>
      store.listThreads(owner, tenantKey === undefined ? page : { ...page, tenantKey }),
    );
    if (authorizer === undefined || tenantKey === undefined) return listed;
    const shown: ThreadRecord[] = [];
    for (const thread of listed.items) {
      if (sameOwner(thread.owner, owner)) {
        shown.push(thread);
        continue;
      }
      const member = tenantMemberOf(session.principal, thread.owner);
      if (member === undefined) continue;
      if (await authorizer.allows(session, 'thread.read', { type: 'thread', id: thread.id }, member)) {
        shown.push(thread);
      }
    }
    return listed.nextCursor === undefined
      ? { items: shown }
      : { items: shown, nextCursor: listed.nextCursor };
  };
}
