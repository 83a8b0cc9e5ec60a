import type { ServerCallContext, User } from '@a2a-js/sdk/server';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { SessionRecord } from '../../../core/stores.js';
import { ownerOfSession } from '../../sessions/session-owner.js';

/** The A2A SDK's view of a caller: the gateway session its bearer token names. */
export class SessionUser implements User {
  constructor(readonly session: SessionRecord) {}

  get isAuthenticated(): boolean {
    return true;
  }

  get userName(): string {
    return ownerOfSession(this.session).user ?? this.session.apiKeyHash;
  }
}

/** The session of a call; the route only dispatches calls whose token it verified. */
export function sessionOf(context: ServerCallContext): SessionRecord {
  const user = context.user;
  if (!(user instanceof SessionUser)) throw new RequestMalformedError('The call carries no gateway session');
  return user.session;
}
