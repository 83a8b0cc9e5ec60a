import { spawn } from 'node:child_process';

/**
 * Samples the CPU of process `pid` (every thread) with Linux `perf record` into `out`, on the
 * `cpu-clock` software event (a VM without hardware counters has it too): a sample is taken only
 * while a thread runs, in the kernel, in node's own code or in JIT code alike (a node started
 * with `--perf-basic-prof-only-functions` names its JS functions in `/tmp/perf-<pid>.map`).
 * Resolves once perf has started sampling; call the function it resolves to stop it and wait
 * until the file is written.
 */
export async function startPerfRecord(
  pid: number,
  out: string,
  frequency = 2_999,
): Promise<() => Promise<void>> {
  const perf = spawn(
    'perf',
    ['record', '-q', '-e', 'cpu-clock', '-F', String(frequency), '-p', String(pid), '-o', out],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  perf.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<string>((resolve, reject) => {
    perf.once('error', reject);
    perf.once('exit', (code, signal) => resolve(signal ?? String(code)));
  });
  // perf attaches within a few ms; one that failed (no permission, no perf) has exited by then.
  const early = await Promise.race([
    exited,
    new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 100)),
  ]);
  if (early !== 'running') throw new Error(`perf record exited with ${early}: ${stderr.trim()}`);
  return async () => {
    perf.kill('SIGINT');
    const code = await exited;
    // perf writes its file on SIGINT, then exits 0 or by the signal.
    if (code !== '0' && code !== 'SIGINT')
      throw new Error(`perf record exited with ${code}: ${stderr.trim()}`);
  };
}
