import type { ApprovalInboxStore } from '../../core/approval-inbox-store.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { inboxUnavailable } from './inbox-errors.js';

/**
 * Runs `use` on the database's approvals inbox, as `callThreadStore` runs a call of the database
 * (404 without one, 503 when it fails); 404 `inbox_unavailable` when the database keeps no inbox.
 */
export const withInbox = <Result>(
  parts: { config: Pick<GatewayServerConfig, 'database'>; report: (error: unknown, where: string) => void },
  use: (inbox: ApprovalInboxStore) => Promise<Result>,
): Promise<Result> =>
  callThreadStore(parts.config.database, parts.report, async (_store, stores) => {
    if (stores.approvals === undefined) throw inboxUnavailable();
    return use(stores.approvals);
  });
