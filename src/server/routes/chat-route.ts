import type { Context } from 'hono';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { SessionRuns } from '../chat/session-runs.js';
import { startWithMultitask, type StartWithMultitaskOptions } from '../chat/start-with-multitask.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { budgetHeadersOf } from '../contracts/budget-wire.js';
import { parseChatBody } from '../http/parse-chat-body.js';
import type { SessionEnv } from '../http/session-middleware.js';
import { continueThread } from '../threads/continue-thread.js';
import type { RouteHandler } from '../http/route-handler.js';
import type { RunActions } from './run-actions.js';
import type { RunStreams } from './run-streams.js';

/** What `POST /chat` needs: the session's runs, its checks in the handler, the streams. */
export interface ChatRouteContext {
  config: GatewayServerConfig;
  stores: GatewayStores;
  report: (error: unknown, where: string) => void;
  sessionRuns: SessionRuns;
  cancelRun: RunActions['cancelRun'];
  /** 503 once the gateway is shutting down (thrown). */
  throwIfClosing: () => void;
  /** Authenticates the request and asks `server.authorize`; resolves to the session. */
  checkSession: (context: Context<SessionEnv>) => Promise<SessionRecord>;
  readBody: (request: Request) => Promise<unknown>;
  streams: RunStreams;
}

/**
 * `POST /chat`: starts a run (continuing a thread when the body names one) and streams it; a
 * message sent while the session's run works is taken as its `multitask` says (default
 * `server.multitask`): a steered one answers 202 `{ status: "steered", run_id }`, its words
 * reaching the stream the client already follows.
 */
export function createChatHandler(context: ChatRouteContext): RouteHandler {
  const { config, stores, report } = context;
  // The same for every chat: made once.
  const multitaskContext = {
    config,
    stores,
    report,
    sessionRuns: context.sessionRuns,
    cancelRun: context.cancelRun,
  };
  // `throwIfClosing` and `checkSession` in the handler, in that order: each route middleware
  // would cost a dispatch of Hono's of its own on every chat.
  return async (c) => {
    context.throwIfClosing();
    const session = await context.checkSession(c);
    const body = parseChatBody(await context.readBody(c.req.raw));
    const thread_id = body.thread_id;
    const options: StartWithMultitaskOptions = {
      context: multitaskContext,
      session,
      strategy: body.multitask ?? config.multitask,
      messages: body.messages,
      prepare: () =>
        thread_id === undefined
          ? Promise.resolve(body)
          : continueThread({ database: config.database, session, body: { ...body, thread_id }, report }),
      signal: c.req.raw.signal,
    };
    if (thread_id !== undefined) options.threadId = thread_id;
    const outcome = await startWithMultitask(options);
    if (outcome.status === 'steered') {
      return c.json({ status: 'steered', run_id: outcome.runId }, 202);
    }
    const standing = outcome.run.budgetStanding;
    const headers = standing === undefined ? undefined : budgetHeadersOf(standing);
    return context.streams.followRun(outcome.run, 0, c.req.raw, headers);
  };
}
