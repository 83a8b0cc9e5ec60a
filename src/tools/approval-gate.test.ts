import { describe, expect, it } from 'vitest';
import { toolsOf } from './__fixtures__/dispatch-fixtures.js';
import type { ApprovalDecision, ApprovalRequest, RequestApproval } from '../core/approval.js';
import { ToolError, type ToolCall, type ToolContext, type ToolExecutionEnvironment } from '../core/tool.js';
import { silentLogger } from '../core/logger.js';
import { approvalKey, createApprovalNonce } from './approval-gate.js';
import { createToolDispatcher } from './tool-dispatcher.js';
import type { ToolDispatcherOptions } from './tool-dispatcher-options.js';

function callOf(name: string, input: Record<string, unknown> = {}, id = 'call_1'): ToolCall {
  return { id, name, input, callIndex: 0 };
}

function environment(signal: AbortSignal = new AbortController().signal): ToolExecutionEnvironment {
  return { sessionId: 'session_1', signal, emit: () => undefined };
}

/** An approval transport that answers from a script and records what it was asked. */
function scriptedApprovals(...answers: (ApprovalDecision | null)[]) {
  const requests: ApprovalRequest[] = [];
  const signals: AbortSignal[] = [];
  const requestApproval: RequestApproval = (request, signal) => {
    requests.push(request);
    signals.push(signal);
    const answer = answers.shift();
    if (answer === undefined) return Promise.reject(new Error('unexpected approval request'));
    return Promise.resolve(answer);
  };
  return { requests, signals, requestApproval };
}

/** A dispatcher whose `code_execute` tool needs approval, qualified by `input.backend`. */
function gatedDispatcher(options: ToolDispatcherOptions = {}) {
  const contexts: ToolContext[] = [];
  const dispatcher = createToolDispatcher({
    tools: toolsOf({
      code_execute(_input, context) {
        contexts.push(context);
        return 'ran';
      },
      read_file: () => 'content',
    }),
    needsApproval: (name) => name === 'code_execute',
    approvalKeyQualifier: (_name, input) => (typeof input.backend === 'string' ? input.backend : ''),
    ...options,
  });
  return { contexts, dispatcher };
}

describe('approval', () => {
  it('runs the tool when the user approves, passing the request details', async () => {
    const approvals = scriptedApprovals({ approved: true });
    const { contexts, dispatcher } = gatedDispatcher({
      requestApproval: approvals.requestApproval,
      approvalTimeoutMs: 5_000,
    });
    const signal = new AbortController().signal;
    const outcome = await dispatcher.dispatch(
      callOf('code_execute', { backend: 'docker', code: '1+1' }, 'call_3'),
      environment(signal),
    );
    expect(outcome).toEqual({ ok: true, result: 'ran', server: null });
    expect(approvals.requests).toEqual([
      {
        toolCallId: 'call_3',
        nonce: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown,
        toolName: 'code_execute',
        toolInput: { backend: 'docker', code: '1+1' },
        resolvedQualifier: 'docker',
        timeoutMs: 5_000,
      },
    ]);
    expect(approvals.signals[0]).toBe(signal);
    expect(contexts[0]?.resolvedQualifier).toBe('docker');
  });

  it('does not ask for tools that need no approval', async () => {
    const approvals = scriptedApprovals();
    const { dispatcher } = gatedDispatcher({ requestApproval: approvals.requestApproval });
    expect(await dispatcher.dispatch(callOf('read_file'), environment())).toMatchObject({ ok: true });
    expect(approvals.requests).toEqual([]);
  });

  it('returns user_denied and does not run the tool when the user denies', async () => {
    const approvals = scriptedApprovals({ approved: false });
    const { contexts, dispatcher } = gatedDispatcher({ requestApproval: approvals.requestApproval });
    expect(await dispatcher.dispatch(callOf('code_execute'), environment())).toEqual({
      ok: false,
      error: { code: 'user_denied', message: 'User denied execution' },
      server: null,
    });
    expect(contexts).toEqual([]);
  });

  it('returns approval_timeout when the transport answers null', async () => {
    const approvals = scriptedApprovals(null);
    const { contexts, dispatcher } = gatedDispatcher({ requestApproval: approvals.requestApproval });
    expect(await dispatcher.dispatch(callOf('code_execute'), environment())).toEqual({
      ok: false,
      error: { code: 'approval_timeout', message: 'User did not respond within 2 min (approvalTimeoutMs)' },
      server: null,
    });
    expect(contexts).toEqual([]);
  });

  it('returns approval_required when no approval handler is configured', async () => {
    const { dispatcher } = gatedDispatcher();
    expect(await dispatcher.dispatch(callOf('code_execute'), environment())).toEqual({
      ok: false,
      error: {
        code: 'approval_required',
        message: "Tool 'code_execute' requires approval but no approval handler is configured",
      },
      server: null,
    });
  });

  it('remembers "always allow" per tool and qualifier, in the shared set', async () => {
    const approvedToolTypes = new Set<string>();
    const approvals = scriptedApprovals({ approved: true, allowToolType: true }, { approved: true });
    const { contexts, dispatcher } = gatedDispatcher({
      requestApproval: approvals.requestApproval,
      approvedToolTypes,
    });
    await dispatcher.dispatch(callOf('code_execute', { backend: 'docker' }, 'call_1'), environment());
    expect(approvedToolTypes).toEqual(new Set(['code_execute:docker']));

    await dispatcher.dispatch(callOf('code_execute', { backend: 'docker' }, 'call_2'), environment());
    expect(approvals.requests.map(({ toolCallId }) => toolCallId)).toEqual(['call_1']);

    await dispatcher.dispatch(callOf('code_execute', { backend: 'subprocess' }, 'call_3'), environment());
    expect(approvals.requests.map(({ toolCallId }) => toolCallId)).toEqual(['call_1', 'call_3']);
    expect(approvedToolTypes).toEqual(new Set(['code_execute:docker']));
    expect(contexts).toHaveLength(3);
  });

  it('skips the policy entirely for a key already approved in the session', async () => {
    let asked = 0;
    const { dispatcher } = gatedDispatcher({
      approvedToolTypes: new Set(['code_execute']),
      needsApproval: () => {
        asked += 1;
        return true;
      },
    });
    expect(await dispatcher.dispatch(callOf('code_execute'), environment())).toMatchObject({ ok: true });
    expect(asked).toBe(0);
  });

  it('awaits an async needsApproval and gives it the qualifier', async () => {
    const seen: unknown[] = [];
    const approvals = scriptedApprovals({ approved: false });
    const { dispatcher } = gatedDispatcher({
      requestApproval: approvals.requestApproval,
      needsApproval: async (name, input, qualifier) => {
        seen.push([name, input, qualifier]);
        await Promise.resolve();
        return qualifier === 'subprocess';
      },
    });
    expect(
      await dispatcher.dispatch(callOf('code_execute', { backend: 'docker' }), environment()),
    ).toMatchObject({
      ok: true,
    });
    expect(
      await dispatcher.dispatch(callOf('code_execute', { backend: 'subprocess' }), environment()),
    ).toMatchObject({ ok: false, error: { code: 'user_denied' } });
    expect(seen).toEqual([
      ['code_execute', { backend: 'docker' }, 'docker'],
      ['code_execute', { backend: 'subprocess' }, 'subprocess'],
    ]);
  });

  it('sends a fresh 16-hex-character nonce with every request', async () => {
    const approvals = scriptedApprovals({ approved: true }, { approved: true });
    const { dispatcher } = gatedDispatcher({ requestApproval: approvals.requestApproval });
    await dispatcher.dispatch(callOf('code_execute', {}, 'call_1'), environment());
    await dispatcher.dispatch(callOf('code_execute', {}, 'call_2'), environment());
    const [first, second] = approvals.requests.map(({ nonce }) => nonce);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(second).toMatch(/^[0-9a-f]{16}$/);
    expect(first).not.toBe(second);
  });

  it('uses no qualifier when the qualifier function throws', async () => {
    const approvals = scriptedApprovals({ approved: true });
    const { contexts, dispatcher } = gatedDispatcher({
      requestApproval: approvals.requestApproval,
      approvalKeyQualifier: () => {
        throw new Error('bad input');
      },
      logger: silentLogger,
    });
    expect(await dispatcher.dispatch(callOf('code_execute'), environment())).toMatchObject({ ok: true });
    expect(approvals.requests[0]?.resolvedQualifier).toBe('');
    expect(contexts[0]?.resolvedQualifier).toBe('');
  });

  it('blocks the call with internal_error when the approval policy throws', async () => {
    const { contexts, dispatcher } = gatedDispatcher({
      needsApproval: () => {
        throw new Error('policy bug');
      },
      logger: silentLogger,
    });
    expect(await dispatcher.dispatch(callOf('code_execute'), environment())).toEqual({
      ok: false,
      error: { code: 'internal_error', message: 'policy bug' },
      server: null,
    });
    expect(contexts).toEqual([]);
  });

  it('blocks the call with the code of a ToolError the approval transport refuses with', async () => {
    const { contexts, dispatcher } = gatedDispatcher({
      requestApproval: () => Promise.reject(new ToolError('limit_reached', 'Too many calls waiting')),
      logger: silentLogger,
    });
    expect(await dispatcher.dispatch(callOf('code_execute'), environment())).toEqual({
      ok: false,
      error: { code: 'limit_reached', message: 'Too many calls waiting' },
      server: null,
    });
    expect(contexts).toEqual([]);
  });

  it('settles with cancelled when the run is cancelled during the wait', async () => {
    const controller = new AbortController();
    const { dispatcher } = gatedDispatcher({
      requestApproval: () => {
        controller.abort();
        return new Promise(() => undefined);
      },
    });
    expect(await dispatcher.dispatch(callOf('code_execute'), environment(controller.signal))).toMatchObject({
      ok: false,
      error: { code: 'cancelled', message: 'Task was cancelled' },
    });
  });
});

describe('approvalKey', () => {
  it('qualifies the tool name only when a qualifier exists', () => {
    expect(approvalKey('code_execute', 'docker')).toBe('code_execute:docker');
    expect(approvalKey('code_execute', '')).toBe('code_execute');
  });
});

describe('createApprovalNonce', () => {
  it('produces 16 lowercase hex characters', () => {
    expect(createApprovalNonce()).toMatch(/^[0-9a-f]{16}$/);
  });
});
