import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CleanupStack } from './cleanup-stack.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/fd-limited-gateway.ts', import.meta.url));

/** Options of `spawnFdLimitedGateway`. */
export interface FdLimitedGatewayOptions {
  /** The process's limit of open files (soft and hard, so Node cannot raise it). */
  openFiles: number;
  /** The mock Anthropic upstream the agent talks to. */
  upstreamUrl: string;
  /** JSON merged into the `server` group. */
  server?: Record<string, unknown>;
}

/** A gateway process started by `spawnFdLimitedGateway`. */
export interface FdLimitedGateway {
  /** `http://127.0.0.1:<port>` followed by the route prefix. */
  readonly baseUrl: string;
  readonly port: number;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
}

/**
 * Starts `fixtures/fd-limited-gateway.ts` under `prlimit --nofile=<openFiles>` and waits until
 * it listens on 127.0.0.1. Registered on `cleanup`: SIGTERM, then SIGKILL after 5 s.
 */
export async function spawnFdLimitedGateway(
  cleanup: CleanupStack,
  options: FdLimitedGatewayOptions,
): Promise<FdLimitedGateway> {
  const limit = String(options.openFiles);
  const child = spawn(
    'prlimit',
    [`--nofile=${limit}:${limit}`, process.execPath, '--import', 'tsx', fixture],
    {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        GATEWAY_UPSTREAM_URL: options.upstreamUrl,
        GATEWAY_SERVER_OPTIONS: JSON.stringify(options.server ?? {}),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.add(child, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });
  const ready = await new Promise<{ url: string; prefix: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`gateway not ready in 60 s:\n${stderr}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`gateway exited (${String(code)}):\n${stderr}`)));
    lines.on('line', (line) => {
      if (!line.startsWith('{"ready":true')) return;
      clearTimeout(timer);
      child.stdout.resume();
      resolve(JSON.parse(line) as { url: string; prefix: string });
    });
  });
  return {
    baseUrl: `${ready.url}${ready.prefix}`,
    port: Number(new URL(ready.url).port),
    stderr: () => stderr,
  };
}
