import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalDecision, ApprovalRequest } from '../../core/approval.js';
import { createToolDispatcher } from '../tool-dispatcher.js';
import { pairTools } from '../pair-tools.js';
import { dispatchCall, resultOf } from './__fixtures__/code-execution-harness.js';
import type { CodeExecutionConfig } from './code-execution-config.js';
import {
  createCodeExecution,
  type CodeExecution,
  type CodeExecutionBundle,
} from './create-code-execution.js';

const SUBPROCESS_ONLY: CodeExecutionConfig = {
  registerDocker: false,
  registerBwrap: false,
  killGraceMs: 300,
};
const isRoot = process.getuid?.() === 0;

describe('the unsandboxed subprocess backend', () => {
  const opened: CodeExecution[] = [];
  const open = (config: CodeExecutionConfig = {}): CodeExecution => {
    const codeExecution = createCodeExecution({ ...SUBPROCESS_ONLY, ...config });
    opened.push(codeExecution);
    return codeExecution;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((codeExecution) => codeExecution.close()));
  });

  it.runIf(isRoot)(
    "runs as the session's own user under a root gateway, so it cannot read the gateway's /proc environ",
    async () => {
      const bundle = await open({ sessionUidRange: { first: 2_100_000_000, count: 10 } }).forSession(
        'identity',
      );
      const code = [
        'import os',
        'print("uid", os.getuid(), os.getgid())',
        'try:',
        `    data = open("/proc/${process.pid}/environ", "rb").read()`,
        '    print("READ", len(data))',
        'except PermissionError:',
        '    print("DENIED")',
      ].join('\n');
      const result = resultOf((await dispatchCall(bundle, 'code_execute', { code })).outcome);
      expect(result).toMatchObject({ return_code: 0 });
      expect(result.stdout).toMatch(/^uid (21000000\d\d) \1\nDENIED\n$/);
    },
  );

  /** Dispatches through one dispatcher (one "always allow" memory), answering with `decision`. */
  const dispatcherFor = (bundle: CodeExecutionBundle, decision: ApprovalDecision) => {
    const approvals: ApprovalRequest[] = [];
    const dispatcher = createToolDispatcher({
      tools: pairTools({ ...bundle.handlers }, bundle.definitions),
      needsApproval: bundle.needsApproval,
      approvalKeyQualifier: bundle.approvalKeyQualifier,
      approvalTraits: bundle.approvalTraits,
      requestApproval: (request) => {
        approvals.push(request);
        return Promise.resolve(decision);
      },
    });
    const call = (id: string) =>
      dispatcher.dispatch(
        { id, name: 'code_execute', input: { code: 'print(1)' }, callIndex: 0 },
        { sessionId: 'session_1', signal: new AbortController().signal, emit: () => undefined },
      );
    return { approvals, call };
  };

  it('marks its approval requests sandboxed: false', async () => {
    const bundle = await open().forSession('approval');
    const { approvals } = await dispatchCall(bundle, 'code_execute', { code: 'print(1)' });
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({ resolvedQualifier: 'subprocess', sandboxed: false });
  });

  it('asks again after an "always allow" unless the deployment opted in', async () => {
    const bundle = await open().forSession('always');
    const { approvals, call } = dispatcherFor(bundle, { approved: true, allowToolType: true });
    expect(resultOf(await call('call_1'))).toMatchObject({ stdout: '1\n' });
    expect(resultOf(await call('call_2'))).toMatchObject({ stdout: '1\n' });
    expect(approvals).toHaveLength(2);
    expect(approvals[0]).toMatchObject({ allowAlways: false });
  });

  it('honours "always allow" with allowAlwaysForUnsandboxed', async () => {
    const bundle = await open({ allowAlwaysForUnsandboxed: true }).forSession('opted-in');
    const { approvals, call } = dispatcherFor(bundle, { approved: true, allowToolType: true });
    expect(resultOf(await call('call_1'))).toMatchObject({ stdout: '1\n' });
    expect(resultOf(await call('call_2'))).toMatchObject({ stdout: '1\n' });
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({ sandboxed: false });
    expect(approvals[0]?.allowAlways).not.toBe(false);
  });
});
