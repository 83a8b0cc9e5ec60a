import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChildProcess, type ChildProcessHandle } from './child-process-handle.js';

/** Options of `startBenchStack`. */
export interface BenchStackOptions {
  /** Where `compileForBench` put the compiled repository; undefined runs the TypeScript under tsx. */
  buildDir: string | undefined;
  /** `disconnectGraceMs` of the gateway (default: the gateway's own, 30 s). */
  disconnectGraceMs?: number;
  /** Install the listener census in the gateway. */
  trackListeners?: boolean;
  /** Write a CPU profile of the gateway into this directory (`--cpu-prof`). */
  cpuProfileDir?: string;
}

/** The mock upstream and the gateway under test, each in its own process. */
export interface BenchStack {
  readonly upstream: ChildProcessHandle;
  readonly gateway: ChildProcessHandle;
  /** Closes the gateway, then the upstream; idempotent. */
  close(): Promise<void>;
}

/** The entry of a child: its compiled JavaScript when there is a build, else the source. */
const entry = (buildDir: string | undefined, name: string): string =>
  buildDir === undefined
    ? fileURLToPath(new URL(`./${name}.ts`, import.meta.url))
    : join(buildDir, 'bench', 'lib', `${name}.js`);

/** Starts a fresh mock upstream and gateway (fresh processes: no state carried between scenarios). */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const upstream = await startChildProcess({ entry: entry(options.buildDir, 'mock-process') });
  let gateway: ChildProcessHandle;
  try {
    gateway = await startChildProcess({
      entry: entry(options.buildDir, 'gateway-process'),
      nodeFlags: [
        '--expose-gc',
        ...(options.cpuProfileDir === undefined
          ? []
          : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]),
      ],
      env: {
        BENCH_UPSTREAM_URL: upstream.url,
        ...(options.disconnectGraceMs === undefined
          ? {}
          : { BENCH_DISCONNECT_GRACE_MS: String(options.disconnectGraceMs) }),
        ...(options.trackListeners === true ? { BENCH_TRACK_LISTENERS: '1' } : {}),
      },
    });
  } catch (error) {
    await upstream.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    upstream,
    gateway,
    close() {
      closing ??= (async () => {
        await gateway.close();
        await upstream.close();
      })();
      return closing;
    },
  };
}
