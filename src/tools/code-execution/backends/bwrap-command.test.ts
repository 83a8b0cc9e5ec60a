import { describe, expect, it } from 'vitest';
import { buildBwrapCommand, isInsideAny } from './bwrap-command.js';

const limits = { cpuSeconds: 31, memoryBytes: 1024 * 1024 * 1024, maxProcesses: 128, maxFileSizeBytes: 1024 };
const base = {
  bwrap: '/usr/bin/bwrap',
  prlimit: '/usr/bin/prlimit',
  python: '/usr/bin/python3.11',
  pythonArgs: ['-u', '/tmp/code_exec_1/_code_execute_ab.py'],
  workDir: '/tmp/code_exec_1',
  readOnlyPaths: ['/opt/conda'],
  limits,
  tmpfsBytes: 64 * 1024 * 1024,
};

/** The values following each occurrence of `flag`. */
const valuesOf = (args: readonly string[], flag: string, width = 1): string[][] =>
  args.flatMap((arg, index) => (arg === flag ? [args.slice(index + 1, index + 1 + width)] : []));

describe('buildBwrapCommand', () => {
  it('unshares everything, dies with the gateway and drops capabilities', () => {
    const { command, args } = buildBwrapCommand(base);
    expect(command).toBe('/usr/bin/bwrap');
    for (const flag of ['--unshare-all', '--unshare-user', '--die-with-parent', '--new-session']) {
      expect(args).toContain(flag);
    }
    expect(valuesOf(args, '--cap-drop')).toEqual([['ALL']]);
    expect(args).not.toContain('--share-net');
  });

  it('binds the system read-only, the work dir read-write, and private /dev, /tmp and /proc', () => {
    const { args } = buildBwrapCommand(base);
    const readOnly = valuesOf(args, '--ro-bind-try', 2).map(([source]) => source);
    expect(readOnly).toEqual(expect.arrayContaining(['/usr', '/bin', '/lib', '/lib64', '/etc/ld.so.cache']));
    expect(readOnly).not.toContain('/etc');
    expect(readOnly).not.toContain('/home');
    expect(valuesOf(args, '--ro-bind', 2)).toEqual([['/opt/conda', '/opt/conda']]);
    expect(valuesOf(args, '--bind', 2)).toEqual([['/tmp/code_exec_1', '/tmp/code_exec_1']]);
    // bwrap's --size applies to the next --tmpfs: every tmpfs is bounded, not half the host's RAM.
    expect(valuesOf(args, '--size', 3)).toEqual([
      [String(64 * 1024), '--tmpfs', '/dev'],
      [String(64 * 1024 * 1024), '--tmpfs', '/tmp'],
    ]);
    expect(valuesOf(args, '--tmpfs')).toEqual([['/dev'], ['/tmp']]);
    expect(valuesOf(args, '--proc')).toEqual([['/proc']]);
    expect(valuesOf(args, '--remount-ro')).toEqual([['/dev'], ['/']]);
    expect(valuesOf(args, '--chdir')).toEqual([['/tmp/code_exec_1']]);
    // The work dir is bound after the tmpfs /tmp, or the tmpfs would hide it.
    expect(args.indexOf('--bind')).toBeGreaterThan(args.lastIndexOf('--tmpfs'));
  });

  it('builds a read-only /dev of device nodes whose shm is the bounded /tmp', () => {
    const { args } = buildBwrapCommand(base);
    // Not bubblewrap's --dev: its tmpfs is writable and has no size.
    expect(args).not.toContain('--dev');
    expect(valuesOf(args, '--dev-bind', 2)).toEqual(
      ['null', 'zero', 'full', 'random', 'urandom', 'tty'].map((node) => [`/dev/${node}`, `/dev/${node}`]),
    );
    expect(valuesOf(args, '--symlink', 2)).toEqual([
      ['/proc/self/fd', '/dev/fd'],
      ['/proc/self/fd/0', '/dev/stdin'],
      ['/proc/self/fd/1', '/dev/stdout'],
      ['/proc/self/fd/2', '/dev/stderr'],
      ['/tmp', '/dev/shm'],
    ]);
    expect(args.indexOf('--remount-ro')).toBeGreaterThan(args.lastIndexOf('--symlink'));
  });

  it('runs Python under prlimit inside the sandbox', () => {
    const { args } = buildBwrapCommand(base);
    const inner = args.slice(args.indexOf('--') + 1);
    expect(inner).toEqual([
      '/usr/bin/prlimit',
      '--cpu=31',
      `--as=${1024 * 1024 * 1024}`,
      '--fsize=1024',
      '--core=0',
      '--nproc=128',
      '--',
      '/usr/bin/python3.11',
      '-u',
      '/tmp/code_exec_1/_code_execute_ab.py',
    ]);
  });

  it('leaves root through setpriv before bubblewrap starts', () => {
    const { command, args } = buildBwrapCommand({
      ...base,
      dropPrivileges: { setpriv: '/usr/bin/setpriv', uid: 65534, gid: 65534 },
    });
    expect(command).toBe('/usr/bin/setpriv');
    expect(args.slice(0, 5)).toEqual([
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--no-new-privs',
      '/usr/bin/bwrap',
    ]);
  });

  it('knows which paths exist inside the sandbox', () => {
    expect(isInsideAny('/usr/bin/python3', ['/usr'])).toBe(true);
    expect(isInsideAny('/usrlocal/python3', ['/usr'])).toBe(false);
    expect(isInsideAny('/root/.pyenv/shims/python3', ['/usr', '/bin'])).toBe(false);
  });
});
