import { stat } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cwdFrom, dispatchCall, PRINT_CWD, resultOf } from './__fixtures__/code-execution-harness.js';
import type { CodeExecutionConfig } from './code-execution-config.js';
import {
  createCodeExecution,
  type CodeExecution,
  type CodeExecutionBundle,
} from './create-code-execution.js';

// The unsandboxed backend alone: what `auto` falls back to where neither Docker nor bwrap works.
const SUBPROCESS_ONLY: CodeExecutionConfig = {
  registerDocker: false,
  registerBwrap: false,
  killGraceMs: 300,
};
const isRoot = process.getuid?.() === 0;

/**
 * Python run by one session against another session's work dir: list it, read a file in it,
 * write a file into it, and import a module from it. Prints one verdict per attempt.
 */
const attackCode = (victimDir: string, victimModule: string): string =>
  [
    'import os, sys',
    `victim = ${JSON.stringify(victimDir)}`,
    'def attempt(label, action):',
    '    try:',
    '        action()',
    '        print(label, "SUCCEEDED")',
    '    except (OSError, ImportError) as error:',
    '        print(label, "denied", type(error).__name__)',
    'attempt("list", lambda: os.listdir(victim))',
    'attempt("read", lambda: open(os.path.join(victim, "secret.txt")).read())',
    'attempt("write", lambda: open(os.path.join(victim, "planted.py"), "w").write("print(\'PWNED\')"))',
    'sys.path.insert(0, victim)',
    `attempt("import", lambda: __import__(${JSON.stringify(victimModule)}))`,
  ].join('\n');

/** Python that leaves a secret and an importable module (`module_<name>`) in its own work dir. */
const setupCode = (name: string): string =>
  [
    'open("secret.txt", "w").write("secret")',
    `open("module_${name}.py", "w").write("print('IMPORTED')")`,
    PRINT_CWD,
    'print("UID=" + str(os.getuid()) + ":" + str(os.getgid()))',
  ].join('\n');

const uidFrom = (stdout: unknown): string => /UID=(\d+:\d+)/.exec(String(stdout))?.[1] ?? '';

describe('sessions on the subprocess backend', () => {
  const opened: CodeExecution[] = [];
  const open = (config: CodeExecutionConfig = {}): CodeExecution => {
    const codeExecution = createCodeExecution({ ...SUBPROCESS_ONLY, ...config });
    opened.push(codeExecution);
    return codeExecution;
  };
  const run = async (bundle: CodeExecutionBundle, code: string) =>
    resultOf((await dispatchCall(bundle, 'code_execute', { code })).outcome);

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((codeExecution) => codeExecution.close()));
    vi.restoreAllMocks();
  });

  it.runIf(isRoot)(
    "run as users of their own under a root gateway: neither can read, write or import from the other's work dir",
    async () => {
      const codeExecution = open({ sessionUidRange: { first: 2_000_000_000, count: 1000 } });
      const alpha = await codeExecution.forSession('alpha');
      const beta = await codeExecution.forSession('beta');
      const alphaSetup = await run(alpha, setupCode('alpha'));
      const betaSetup = await run(beta, setupCode('beta'));
      const alphaDir = cwdFrom(alphaSetup.stdout);
      const betaDir = cwdFrom(betaSetup.stdout);

      // Distinct ids from the range, each owning a work dir only it may enter.
      const alphaUid = uidFrom(alphaSetup.stdout);
      const betaUid = uidFrom(betaSetup.stdout);
      expect(alphaUid).not.toBe(betaUid);
      for (const [dir, ids] of [
        [alphaDir, alphaUid],
        [betaDir, betaUid],
      ] as const) {
        const [uid = 0] = ids.split(':').map(Number);
        expect(uid).toBeGreaterThanOrEqual(2_000_000_000);
        expect(uid).toBeLessThan(2_000_001_000);
        expect(ids).toBe(`${uid}:${uid}`);
        const info = await stat(dir);
        expect(info.uid).toBe(uid);
        expect(info.mode & 0o777).toBe(0o700);
      }

      const verdicts =
        'list denied PermissionError\nread denied PermissionError\n' +
        'write denied PermissionError\nimport denied ModuleNotFoundError\n';
      expect((await run(alpha, attackCode(betaDir, 'module_beta'))).stdout).toBe(verdicts);
      expect((await run(beta, attackCode(alphaDir, 'module_alpha'))).stdout).toBe(verdicts);
      // Nothing was planted: each work dir holds only what its own session wrote.
      for (const [bundle, name] of [
        [alpha, 'alpha'],
        [beta, 'beta'],
      ] as const) {
        const listing = await run(
          bundle,
          'import os\nprint(sorted(name for name in os.listdir(".") if not name.startswith("_code_execute_")))',
        );
        expect(listing.stdout).toBe(`['module_${name}.py', 'secret.txt']\n`);
      }
    },
  );

  it('serve one session at a time where the gateway cannot switch users', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const codeExecution = open();
    expect(await codeExecution.probe()).toMatchObject({ subprocessSessions: 'one-at-a-time' });
    const alpha = await codeExecution.forSession('alpha');
    const beta = await codeExecution.forSession('beta');
    expect((await run(alpha, 'print(1)')).stdout).toBe('1\n');

    // The second session is refused before anything runs (and before any approval is asked).
    const refused = await dispatchCall(beta, 'code_execute', { code: 'print(2)' });
    expect(refused.approvals).toEqual([]);
    expect(refused.outcome).toMatchObject({
      ok: false,
      error: {
        code: 'backend_unavailable',
        message: 'No code execution backend is available for this session.',
      },
    });
    expect((await run(alpha, 'print(3)')).stdout).toBe('3\n');

    // Once the first session is gone, the next one may use the backend.
    await codeExecution.cleanupSession('alpha');
    expect((await run(beta, 'print(4)')).stdout).toBe('4\n');
  });

  it('are shared where the gateway cannot switch users only with allowSharedSubprocessSandbox', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const codeExecution = open({ allowSharedSubprocessSandbox: true });
    expect(await codeExecution.probe()).toMatchObject({ subprocessSessions: 'shared' });
    const alpha = await codeExecution.forSession('alpha');
    const beta = await codeExecution.forSession('beta');
    expect((await run(alpha, 'print(1)')).stdout).toBe('1\n');
    expect((await run(beta, 'print(2)')).stdout).toBe('2\n');
  });

  it.runIf(isRoot)('report a user per session under a root gateway', async () => {
    expect(await open().probe()).toMatchObject({ subprocessSessions: 'user-per-session' });
  });
});
