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

/** The 403 `forbidden` of a queued run whose principal `server.authorize` no longer lets start. */
export const queuedRunForbidden = (): HttpError =>
  new HttpError(403, {
    detail: 'server.authorize refused run.start to the principal of this queued run',
    code: 'forbidden',
  });
