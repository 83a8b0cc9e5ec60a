import { afterEach, describe, expect, it } from 'vitest';
import { cwdFrom, dispatchCall, PRINT_CWD, resultOf } from './__fixtures__/code-execution-harness.js';
import { findExecutable, SYSTEM_SEARCH_PATH } from './backends/find-executable.js';
import { resolveResourceLimits } from './backends/resource-limits.js';
import type { CodeExecutionConfig } from './code-execution-config.js';
import { createCodeExecution, type CodeExecution } from './create-code-execution.js';
import { measureWorkDir } from './work-dir-quota.js';

const bwrapPath = await findExecutable('bwrap', `${process.env.PATH ?? ''}:${SYSTEM_SEARCH_PATH}`);
const MEBIBYTE = 1024 * 1024;

const hosts: { name: string; config: CodeExecutionConfig; skip: boolean }[] = [
  {
    name: 'subprocess',
    config: { registerDocker: false, registerBwrap: false, killGraceMs: 300 },
    skip: false,
  },
  {
    name: 'bwrap',
    config: { registerDocker: false, registerSubprocess: false, killGraceMs: 300 },
    skip: bwrapPath === null,
  },
];

/** Python that writes `count` files of `mebibytes` MiB each into the work dir, pausing between them. */
const writeFiles = (count: number, mebibytes: number, pauseSeconds: number): string =>
  [
    'import time',
    `for index in range(${count}):`,
    '    with open(f"blob_{index}.bin", "wb") as blob:',
    `        blob.write(b"x" * ${mebibytes * MEBIBYTE})`,
    `    time.sleep(${pauseSeconds})`,
    'print("all written", flush=True)',
  ].join('\n');

describe('disk limits of code execution', () => {
  const opened: CodeExecution[] = [];
  const open = (config: CodeExecutionConfig): CodeExecution => {
    const codeExecution = createCodeExecution(config);
    opened.push(codeExecution);
    return codeExecution;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((codeExecution) => codeExecution.close()));
  });

  it.skipIf(bwrapPath === null)("bounds the sandbox's /tmp by limits.tmpfsMb", async () => {
    const bundle = await open({ ...hosts[1]?.config, limits: { tmpfsMb: 8 } }).forSession('tmpfs');
    const code = [
      'written = 0',
      'try:',
      '    with open("/tmp/fill.bin", "wb") as fill:',
      '        for _ in range(32):',
      '            fill.write(b"x" * 1048576)',
      '            fill.flush()',
      '            written += 1',
      'except OSError as error:',
      '    print("stopped", error.errno)',
      'print("written", written)',
    ].join('\n');
    const result = resultOf((await dispatchCall(bundle, 'code_execute', { code })).outcome);
    // ENOSPC (28) once the 8 MiB tmpfs is full, long before the 32 MiB the code asked for.
    expect(result.stdout).toMatch(/^stopped 28\nwritten [0-8]\n$/);
  });

  it.skipIf(bwrapPath === null)(
    'counts /dev/shm against the same limits.tmpfsMb budget as /tmp, and /dev is read-only',
    async () => {
      const bundle = await open({ ...hosts[1]?.config, limits: { tmpfsMb: 8 } }).forSession('shm');
      const code = [
        'import errno, os',
        'def fill(path, mebibytes):',
        '    written = 0',
        '    try:',
        '        with open(path, "wb") as target:',
        '            for _ in range(mebibytes):',
        '                target.write(b"x" * 1048576)',
        '                target.flush()',
        '                written += 1',
        '    except OSError as error:',
        '        return f"{errno.errorcode[error.errno]} after {written}"',
        '    return f"wrote {written}"',
        'def attempt(action):',
        '    try:',
        '        action()',
        '        return "ok"',
        '    except OSError as error:',
        '        return errno.errorcode[error.errno]',
        'print("tmp", fill("/tmp/first.bin", 6))',
        'print("shm", fill("/dev/shm/second.bin", 6))',
        'os.remove("/tmp/first.bin")',
        'os.remove("/dev/shm/second.bin")',
        'print("dev file", attempt(lambda: open("/dev/planted", "wb").write(b"x" * 1048576)))',
        'print("dev dir", attempt(lambda: os.mkdir("/dev/planted_dir")))',
        'print("dev null", attempt(lambda: open("/dev/null", "wb").write(b"x")))',
        'from multiprocessing import shared_memory',
        'print("posix shm", attempt(lambda: shared_memory.SharedMemory(create=True, size=4096).unlink()))',
      ].join('\n');
      const result = resultOf((await dispatchCall(bundle, 'code_execute', { code })).outcome);
      // 6 MiB in /tmp leave less than 2 MiB for /dev/shm: one budget of 8 MiB, not two.
      expect(result.stdout).toMatch(/^tmp wrote 6\nshm ENOSPC after [0-2]\n/);
      expect(result.stdout).toContain('dev file EROFS\ndev dir EROFS\ndev null ok\nposix shm ok\n');
    },
  );

  for (const host of hosts) {
    it.skipIf(host.skip)(
      `stops a run that takes the work dir over limits.workDirMb and removes the excess (${host.name})`,
      async () => {
        const quotaMb = 8;
        const bundle = await open({ ...host.config, limits: { workDirMb: quotaMb } }).forSession('quota');
        const workDir = cwdFrom(
          resultOf((await dispatchCall(bundle, 'code_execute', { code: PRINT_CWD })).outcome).stdout,
        );
        const { outcome } = await dispatchCall(bundle, 'code_execute', {
          code: writeFiles(40, 2, 0.05),
          timeout_ms: 30_000,
        });
        expect(outcome).toMatchObject({ ok: false, error: { code: 'quota_exceeded' } });
        if (outcome.ok) return;
        expect(outcome.error.message).toContain('8 MiB');
        expect(outcome.error.message).toContain('limits.workDirMb');
        expect((await measureWorkDir(workDir)).totalBytes).toBeLessThanOrEqual(quotaMb * MEBIBYTE);
        // The session goes on working within its quota.
        expect(
          resultOf((await dispatchCall(bundle, 'code_execute', { code: 'print(1)' })).outcome),
        ).toMatchObject({ stdout: '1\n' });
      },
    );
  }

  for (const host of hosts) {
    it.skipIf(host.skip)(
      `runs code in a work dir filled exactly to its quota: the gateway's own script is not the user's bytes (${host.name})`,
      async () => {
        const quotaMb = 8;
        const bundle = await open({ ...host.config, limits: { workDirMb: quotaMb } }).forSession('full');
        const fill = await dispatchCall(bundle, 'code_execute', { code: writeFiles(4, 2, 0) });
        expect(resultOf(fill.outcome)).toMatchObject({ stdout: 'all written\n' });

        const { outcome } = await dispatchCall(bundle, 'code_execute', { code: 'print(1)' });

        expect(resultOf(outcome)).toMatchObject({ stdout: '1\n' });
      },
    );
  }

  it('caps a single file (RLIMIT_FSIZE) at the work dir quota', () => {
    const limits = {
      memoryMb: 1024,
      maxProcesses: 128,
      maxFileSizeMb: 256,
      workDirMb: 4,
    };
    expect(resolveResourceLimits(limits, 30_000, { limitProcesses: false }).maxFileSizeBytes).toBe(
      4 * MEBIBYTE,
    );
  });

  it('sets RLIMIT_CPU in whole seconds: the configured CPU time rounded up, else the timeout plus one', () => {
    const limits = { memoryMb: 1024, maxProcesses: 128, maxFileSizeMb: 256, workDirMb: 256 };
    const options = { limitProcesses: false };
    expect(resolveResourceLimits({ ...limits, cpuTimeMs: 1500 }, 30_000, options).cpuSeconds).toBe(2);
    expect(resolveResourceLimits(limits, 30_000, options).cpuSeconds).toBe(31);
    expect(resolveResourceLimits(limits, 2_500, options).cpuSeconds).toBe(4);
  });
});
