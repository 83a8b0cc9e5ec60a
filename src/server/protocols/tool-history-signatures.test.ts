import { describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../core/events.js';
import { canonicalJson } from '../contracts/canonical-json.js';
import { announcedCallsOf, createToolHistorySigner } from './tool-history-signatures.js';

const signer = createToolHistorySigner({ secret: 'test-secret' });
const session = signer.forSession('sess_1');
const refund = { toolCallId: 'call_1', toolName: 'refund', input: { order: 'A1', amount: 5 } };

describe('canonicalJson', () => {
  it('gives one text for one JSON value, whatever the order of its keys', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      canonicalJson(JSON.parse('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}')),
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('reads values as JSON does: toJSON applied, undefined left out or null', () => {
    const at = new Date(0);
    expect(canonicalJson({ at, gone: undefined, list: [undefined] })).toBe(
      canonicalJson(JSON.parse(JSON.stringify({ at, gone: undefined, list: [undefined] }))),
    );
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('tool history signatures', () => {
  it('prove a result for exactly its call and outcome, in its own session, under its own secret', () => {
    const signature = session.signResult(refund, { output: { refunded: 'A1' } });
    expect(signature).toMatch(/^v1\.[\w-]{43}$/);

    expect(session.proofOf(refund, { output: { refunded: 'A1' } }, signature)).toBe('result');
    const reordered = { ...refund, input: { amount: 5, order: 'A1' } };
    expect(session.proofOf(reordered, { output: { refunded: 'A1' } }, signature)).toBe('result');
    expect(session.proofOf(refund, { output: { refunded: 'B2' } }, signature)).toBeUndefined();
    expect(
      session.proofOf(
        { ...refund, input: { order: 'A1', amount: 500 } },
        { output: { refunded: 'A1' } },
        signature,
      ),
    ).toBeUndefined();
    expect(
      session.proofOf({ ...refund, toolName: 'get_weather' }, { output: { refunded: 'A1' } }, signature),
    ).toBeUndefined();
    expect(
      session.proofOf({ ...refund, toolCallId: 'call_2' }, { output: { refunded: 'A1' } }, signature),
    ).toBeUndefined();
    expect(
      signer.forSession('sess_2').proofOf(refund, { output: { refunded: 'A1' } }, signature),
    ).toBeUndefined();
    const otherSecret = createToolHistorySigner({ secret: 'other-secret' }).forSession('sess_1');
    expect(otherSecret.proofOf(refund, { output: { refunded: 'A1' } }, signature)).toBeUndefined();
  });

  it('tell a client-side call from a server call, whatever the outcome claimed', () => {
    const client = session.signCall({ ...refund, runner: 'client' });
    const server = session.signCall({ ...refund, runner: 'server' });
    expect(session.proofOf(refund, { output: 'anything' }, client)).toBe('client_call');
    expect(session.proofOf(refund, { output: 'anything' }, server)).toBe('server_call');
    expect(session.proofOf({ ...refund, toolName: 'other' }, undefined, client)).toBeUndefined();
  });

  it('prove nothing with a missing, malformed or truncated signature', () => {
    const signature = session.signResult(refund, { output: 1 });
    for (const bad of [
      undefined,
      null,
      42,
      '',
      'v1.',
      'v2.' + signature.slice(3),
      signature.slice(0, -2),
      {},
    ]) {
      expect(session.proofOf(refund, { output: 1 }, bad)).toBeUndefined();
    }
  });
});

describe('announcedCallsOf', () => {
  it("lists each call a log announces once, a client-side tool as the client's", () => {
    const events: GatewayEvent[] = [
      {
        type: 'tool_call_start',
        tool_call_id: 'c1',
        tool_name: 'refund',
        tool_input: { order: 'A1' },
        execution_location: 'backend',
        call_index: 0,
      },
      {
        type: 'tool_approval_request',
        tool_call_id: 'c1',
        nonce: 'n',
        expires_at: 1,
        tool_name: 'refund',
        tool_input: { order: 'A1' },
        resolved_qualifier: 'refund',
      },
      {
        type: 'tool_call_start',
        tool_call_id: 'c2',
        tool_name: 'get_time',
        tool_input: {},
        execution_location: 'client',
        call_index: 1,
      },
    ];
    expect(announcedCallsOf(events.map((event, index) => ({ seq: index + 1, event })))).toEqual([
      { toolCallId: 'c1', toolName: 'refund', input: { order: 'A1' }, runner: 'server' },
      { toolCallId: 'c2', toolName: 'get_time', input: {}, runner: 'client' },
    ]);
  });
});
