import { describe, expect, it } from 'vitest';
import { isHttpError } from '../../../core/http-error.js';
import { isMcpCallEventId, mcpCallEventIdPrefix, parseMcpCallEventId } from './mcp-call-event-ids.js';

const call = {
  runId: 'ab'.repeat(12),
  startSeq: 4,
  callId: 7,
  progressToken: 'tok-1',
  canElicit: true,
  legacy: false,
} as const;

/** The error `parseMcpCallEventId` throws for `value`, or undefined when it parses. */
const refusalOf = (value: string): unknown => {
  try {
    parseMcpCallEventId(value);
    return undefined;
  } catch (error) {
    return error;
  }
};

describe("an MCP call's event ids", () => {
  it('name everything a resumed stream needs, read back from the id of any of its events', () => {
    const id = `${mcpCallEventIdPrefix(call)}12`;
    expect(isMcpCallEventId(id)).toBe(true);
    expect(parseMcpCallEventId(id)).toEqual({ ...call, seq: 12 });
  });

  it('keep a string call id and leave out an absent progress token', () => {
    const id = `${mcpCallEventIdPrefix({ ...call, callId: 'call-1', progressToken: undefined })}4`;
    expect(parseMcpCallEventId(id)).toEqual({ ...call, callId: 'call-1', progressToken: undefined, seq: 4 });
  });

  it("tell a 2025-11-25 session's call from a 2026-07-28 one", () => {
    const id = `${mcpCallEventIdPrefix({ ...call, legacy: true })}5`;
    expect(parseMcpCallEventId(id)).toEqual({ ...call, legacy: true, seq: 5 });
  });

  it("are told apart from the native stream's ids", () => {
    expect(isMcpCallEventId(`${call.runId}:3`)).toBe(false);
    expect(isMcpCallEventId(null)).toBe(false);
  });

  it('refuse a malformed id, a forged call part and a position before the call with 400 invalid_last_event_id', () => {
    const prefix = mcpCallEventIdPrefix(call);
    const forged = Buffer.from(JSON.stringify({ i: 1, e: 'yes' })).toString('base64url');
    for (const value of [
      'mcp1.garbage',
      `${prefix}x`,
      `mcp1.${forged}.${call.runId}.0.1`,
      `${prefix}3`,
      `mcp1.${Buffer.from('not json').toString('base64url')}.${call.runId}.0.1`,
    ]) {
      const refusal = refusalOf(value);
      expect(isHttpError(refusal, 400)).toBe(true);
      expect(isHttpError(refusal) ? refusal.body['code'] : undefined).toBe('invalid_last_event_id');
    }
  });
});
