import type { RunRecord } from '../../core/run-takeover.js';
import type { SessionRecord } from '../../core/stores.js';
import type { RunRecordRow, RunThreadGuard } from '../../core/thread-store.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { finishRunOf } from '../threads/thread-store-calls.js';
import { ownerOfSession } from '../threads/thread-wire.js';

/** The `outcome_code` of a run stopped because this instance no longer accepts its owner. */
export const OWNER_NO_LONGER_ACCEPTED = 'owner_no_longer_accepted';

/**
 * Records, in the database when there is one, that a run taken over here (handed over at a
 * shutdown, or orphaned by a dead instance) was stopped because its owner is no longer accepted:
 * `failed` with `owner_no_longer_accepted`, as a queued run of a removed key is. The run's
 * record is completed (or written whole when its start was never written); the write goes
 * through the database's retries, and a failure is reported, never thrown.
 */
export async function recordUnacceptedOwnerEnd(options: {
  config: Pick<GatewayServerConfig, 'database' | 'defaultModel'>;
  run: RunRecord;
  session: SessionRecord;
  request: ChatRunRequest;
  report: (error: unknown, where: string) => void;
}): Promise<void> {
  const { config, run, session, request, report } = options;
  const database = config.database;
  const stores = database?.current();
  if (database === undefined || stores === undefined) return;
  const at = Date.now();
  const record: RunRecordRow & RunThreadGuard = {
    id: run.runId,
    threadId: request.thread?.id ?? null,
    owner: ownerOfSession(session),
    model: request.model ?? config.defaultModel ?? '',
    startedAt: at,
    status: 'failed',
    outcomeCode: OWNER_NO_LONGER_ACCEPTED,
    turns: 0,
    usage: null,
    estimatedCostUsd: null,
    endedAt: at,
    threadEpoch: request.thread?.epoch,
  };
  await database.retries
    .run(`end of run ${run.runId} (owner no longer accepted)`, () =>
      finishRunOf(stores.threads, record, undefined),
    )
    .catch((error: unknown) => report(error, `end of run ${run.runId}`));
}
