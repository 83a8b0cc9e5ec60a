import { z } from 'zod';
import { HttpError } from '../../../core/http-error.js';
import { RUN_ID_PATTERN_SOURCE } from '../../../core/run-ids.js';

/** What a resumed call's stream must answer as the first one did, and where its run is. */
export interface McpCallPosition {
  runId: string;
  /** The call's events begin after this sequence number (its result folds them all). */
  startSeq: number;
  /** The last event the client was sent: the resumed stream sends only what follows it. */
  seq: number;
  /** The JSON-RPC id of the `tools/call`, so the resumed stream's result answers it. */
  callId: string | number;
  progressToken: string | number | undefined;
  canElicit: boolean;
  /** A 2025-11-25 session's call (its result has no `resultType`; approvals are elicitations). */
  legacy: boolean;
}

/** The first part of every id this module writes, telling them from other streams' ids. */
const PREFIX = 'mcp1';

/** What the id carries of the call itself, base64url JSON (its id and token are the client's). */
const callSchema = z.strictObject({
  i: z.union([z.string().max(200), z.number()]),
  p: z.union([z.string().max(200), z.number()]).optional(),
  e: z.boolean(),
  l: z.literal(true).optional(),
});

const ID_PATTERN = new RegExp(
  `^mcp1\\.([A-Za-z0-9_-]{1,2000})\\.(${RUN_ID_PATTERN_SOURCE})\\.(\\d{1,15})\\.(\\d{1,15})$`,
);

/**
 * The part of a call's event ids that every event of the stream shares, ending before the
 * sequence number: `mcp1.<call>.<runId>.<startSeq>.`. An id names everything a stream resumed
 * on any instance needs (`GET /mcp` with `Last-Event-ID`), so no instance keeps per-call state;
 * it names nothing the client could not send itself, and the run is checked to be the session's.
 */
export function mcpCallEventIdPrefix(position: Omit<McpCallPosition, 'seq'>): string {
  const call = {
    i: position.callId,
    ...(position.progressToken === undefined ? {} : { p: position.progressToken }),
    e: position.canElicit,
    ...(position.legacy ? { l: true } : {}),
  };
  const encoded = Buffer.from(JSON.stringify(call)).toString('base64url');
  return `${PREFIX}.${encoded}.${position.runId}.${position.startSeq}.`;
}

/** Whether a `Last-Event-ID` is one of an MCP call's stream (`mcpCallEventIdPrefix`). */
export const isMcpCallEventId = (value: string | null | undefined): value is string =>
  value?.startsWith(`${PREFIX}.`) === true;

/**
 * Parses a `Last-Event-ID` an MCP call's stream sent. A malformed one is a 400
 * `invalid_last_event_id` saying what was expected.
 */
export function parseMcpCallEventId(value: string): McpCallPosition {
  const match = ID_PATTERN.exec(value.trim());
  const invalid = (): HttpError =>
    new HttpError(400, {
      detail: `Invalid Last-Event-ID ${JSON.stringify(value.slice(0, 64))}: expected an id of an MCP call's stream ("mcp1.<call>.<run id>.<start>.<sequence>")`,
      code: 'invalid_last_event_id',
    });
  if (match === null) throw invalid();
  const [, encoded = '', runId = '', startSeq = '', seq = ''] = match;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const call = callSchema.safeParse(decoded);
  if (!call.success || Number(seq) < Number(startSeq)) throw invalid();
  return {
    runId,
    startSeq: Number(startSeq),
    seq: Number(seq),
    callId: call.data.i,
    progressToken: call.data.p,
    canElicit: call.data.e,
    legacy: call.data.l === true,
  };
}

/** The answer to a resume whose run is no longer the session's: 404 `mcp_call_not_found`. */
export const mcpCallNotFound = (runId: string): Response =>
  Response.json(
    {
      detail: `The run of this MCP call (${runId}) is no longer this session's run: call the tool again`,
      code: 'mcp_call_not_found',
    },
    { status: 404 },
  );
