import { describe, expect, it } from 'vitest';
import type { RunApprovedOnce } from '../core/approval.js';
import type { ToolCall } from '../core/tool.js';
import { callOf, definitionOf, recordingEnvironment, toolsOf } from './__fixtures__/dispatch-fixtures.js';
import { resolveToolDispatcherOptions } from './tool-dispatcher-options.js';
import { createRunToolDispatcher } from './tool-dispatcher.js';

/*
 * Which calls go through the run's `runApprovedOnce` (the claim that runs an approved call once
 * however many paths hold its approval): those a person approved, of tools that may not run
 * twice. The others run directly.
 */

function dispatcherWithClaims(approved: boolean) {
  const claimed: string[] = [];
  const ran: string[] = [];
  const runApprovedOnce: RunApprovedOnce = async (call: ToolCall, execute) => {
    claimed.push(call.name);
    return execute();
  };
  const handler = (name: string) => () => (ran.push(name), { ok: name });
  const resolved = resolveToolDispatcherOptions({
    tools: toolsOf(
      { pay: handler('pay'), lookup: handler('lookup'), note: handler('note'), read: handler('read') },
      [{ ...definitionOf('lookup'), idempotent: true }],
    ),
    needsApproval: (name) => name !== 'read',
  });
  const dispatcher = createRunToolDispatcher(resolved, {
    requestApproval: () => Promise.resolve({ approved, allowToolType: false }),
    approvedToolTypes: new Set(['note']),
    runApprovedOnce,
  });
  return { dispatcher, claimed, ran };
}

describe('a run dispatcher with runApprovedOnce', () => {
  it('claims a call a person approved; not an idempotent tool, an always-allowed or an unasked one', async () => {
    const { dispatcher, claimed, ran } = dispatcherWithClaims(true);
    for (const name of ['pay', 'lookup', 'note', 'read']) {
      expect(await dispatcher.dispatch(callOf(name), recordingEnvironment().value)).toMatchObject({
        ok: true,
      });
    }
    expect(ran).toEqual(['pay', 'lookup', 'note', 'read']);
    expect(claimed).toEqual(['pay']);
  });

  it('neither claims nor runs a denied call', async () => {
    const { dispatcher, claimed, ran } = dispatcherWithClaims(false);
    expect(await dispatcher.dispatch(callOf('pay'), recordingEnvironment().value)).toMatchObject({
      ok: false,
      error: { code: 'user_denied' },
    });
    expect([claimed, ran]).toEqual([[], []]);
  });

  it('continues with the outcome runApprovedOnce gives, without running the tool, when another path won', async () => {
    const ran: string[] = [];
    const resolved = resolveToolDispatcherOptions({
      tools: toolsOf({ pay: () => (ran.push('pay'), { charged: 'here' }) }),
      needsApproval: () => true,
    });
    const dispatcher = createRunToolDispatcher(resolved, {
      requestApproval: () => Promise.resolve({ approved: true, allowToolType: false }),
      runApprovedOnce: () => Promise.resolve({ ok: true, result: { charged: 'elsewhere' }, server: null }),
    });
    expect(await dispatcher.dispatch(callOf('pay'), recordingEnvironment().value)).toMatchObject({
      ok: true,
      result: { charged: 'elsewhere' },
    });
    expect(ran).toEqual([]);
  });
});
