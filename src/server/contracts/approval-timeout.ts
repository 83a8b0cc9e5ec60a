/** How long an approval waits without `server.approvalTimeoutMs` when there is a database: 7 days. */
export const DATABASE_APPROVAL_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How long an approval waits: `server.approvalTimeoutMs` when set; else, with a database, seven
 * days (the run is suspended to the database meanwhile, so waiting costs no memory and survives
 * restarts: long enough for people to answer); else undefined, and the tool dispatcher's own
 * default applies (120 s: without a database nothing outlives the process, so a long wait would
 * only hold a run in memory).
 */
export const approvalTimeoutMsOf = (
  approvalTimeoutMs: number | undefined,
  hasDatabase: boolean,
): number | undefined => approvalTimeoutMs ?? (hasDatabase ? DATABASE_APPROVAL_TIMEOUT_MS : undefined);
