import type { ToolInterceptor } from '../../core/interceptor.js';
import type { SessionRecord } from '../../core/stores.js';
import type { RequestAuthorizer } from './request-authorizer.js';

/**
 * The interceptor that asks `server.authorize` for `tool.call` (resource `{ type: 'tool', id:
 * <tool name> }`) before each of a run's tool calls. Critical: a hook that throws blocks the
 * call. A refused call is a `forbidden` error result the model reads, not the end of the run.
 */
export function authorizeToolCalls(authorizer: RequestAuthorizer, session: SessionRecord): ToolInterceptor {
  return {
    name: 'server.authorize',
    critical: true,
    async intercept(context) {
      const allowed = await authorizer.allows(session, 'tool.call', { type: 'tool', id: context.toolName });
      return allowed
        ? { action: 'allow' }
        : { action: 'deny', code: 'forbidden', message: `Not allowed to call ${context.toolName}` };
    },
  };
}
