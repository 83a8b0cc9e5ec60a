import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import type { RunStarter } from './run-starter.js';

/**
 * Whether `server.authorize` lets the principal of `session` start a run now (`run.start`):
 * asked when a background run starts without a request in front of it (a schedule's fire, a
 * queued run whose turn came), with the principal it carries. True without the hook.
 */
export async function mayStartRun(
  context: Pick<RunStarter, 'authorizer'>,
  session: SessionRecord,
): Promise<boolean> {
  const authorizer = context.authorizer;
  return authorizer === undefined || (await authorizer.allows(session, 'run.start', { type: 'run' }));
}

/**
 * Why the owner of background work (a schedule's, a queued run's: its key fingerprint, user and
 * principal) would no longer be accepted under the current settings, or undefined while it
 * would: the auth manager's `invalidityOf`, handed to the background work.
 */
export type OwnerInvalidity = (
  identity: Pick<SessionRecord, 'apiKeyHash' | 'user' | 'principal'>,
) => string | undefined;

/**
 * The 403 `owner_no_longer_accepted` of a queued run whose owner would no longer be accepted
 * (its key removed from `validApiKeys`, its identity provider replaced): the run is dropped,
 * its record saying why.
 */
export const ownerNoLongerAccepted = (why: string): HttpError =>
  new HttpError(403, {
    detail: `The owner of this queued run is no longer accepted (${why}): the run is dropped`,
    code: 'owner_no_longer_accepted',
  });

/** The 403 `forbidden` of a queued run whose principal `server.authorize` no longer lets start. */
export const queuedRunForbidden = (): HttpError =>
  new HttpError(403, {
    detail: 'server.authorize refused run.start to the principal of this queued run',
    code: 'forbidden',
  });
