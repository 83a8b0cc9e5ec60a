import type { SessionRecord } from '../../core/stores.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import type { ProtocolRouteContext } from '../protocols/protocol-route-context.js';
import { storeUnavailable } from '../threads/call-thread-store.js';
import { continueThread } from '../threads/continue-thread.js';
import { ownerOfSession } from '../threads/thread-wire.js';
import type { BackgroundRunRequest } from './background-run-body.js';
import { webhookTargetOf } from './webhook-target-of.js';
import { defaultWebhooksSettings } from '../contracts/webhooks-option.js';

/** A started background run, as `POST /runs` answers it. */
export interface StartedBackgroundRun {
  runId: string;
  threadId: string | null;
}

/** Options of `startBackgroundRun`. */
export interface StartBackgroundRunOptions {
  context: ProtocolRouteContext;
  session: SessionRecord;
  request: BackgroundRunRequest;
  /** The schedule that fires the run. */
  scheduleId?: string;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/**
 * Starts a run that nobody has to follow, in `session`, with the same checks as `POST /chat`
 * (`SessionRuns.start`: 409 while the session has a run, 429/503 at the caps, a thread read
 * through `continueThread`), and resolves once it runs. With a database the run is recorded
 * (its run record, and its background record with metadata and webhook) before this resolves,
 * so `GET /runs/:id` knows it and its end reaches its webhook even if this instance dies; a
 * background record that cannot be written cancels the run and answers 503. Without a
 * database the run lives in this instance only: followed and cancelled here, never listed.
 */
export async function startBackgroundRun(options: StartBackgroundRunOptions): Promise<StartedBackgroundRun> {
  const { context, session, request } = options;
  const { config, report } = context;
  const store = config.threads?.current();
  const backgroundRuns = store?.backgroundRuns;
  const webhook = webhookTargetOf(
    request.webhook,
    config.webhooks ?? defaultWebhooksSettings,
    backgroundRuns !== undefined,
  );
  const body: ChatRunRequest = {
    messages: request.messages,
    context: request.context,
    ...(request.model === undefined ? {} : { model: request.model }),
    detached: true,
  };
  const runRequest =
    request.threadId === undefined
      ? body
      : await continueThread({
          database: config.threads,
          session,
          body: { ...body, thread_id: request.threadId },
          report,
        });
  const run = await context.sessionRuns.start(session, runRequest);
  const threadId = runRequest.thread?.id ?? null;
  if (backgroundRuns !== undefined) {
    try {
      await backgroundRuns.record({
        runId: run.runId,
        owner: ownerOfSession(session),
        sessionId: session.sessionId,
        threadId,
        metadata: request.metadata,
        ...(webhook === undefined ? {} : { webhook }),
        ...(options.scheduleId === undefined ? {} : { scheduleId: options.scheduleId }),
        createdAt: (options.now ?? Date.now)(),
      });
    } catch (error) {
      report(error, 'database');
      run.abort('cancelled: the background run could not be recorded');
      throw storeUnavailable(error);
    }
  }
  return { runId: run.runId, threadId };
}
