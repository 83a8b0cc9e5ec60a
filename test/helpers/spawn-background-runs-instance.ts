import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createHttpGatewayClient, type HttpGatewayClient } from './gateway-client.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/background-runs-instance.ts', import.meta.url));

/** A gateway process of `fixtures/background-runs-instance.ts`. */
export interface BackgroundRunsInstance {
  readonly client: HttpGatewayClient;
  /** SIGKILLs it and resolves once it exited. */
  kill(): Promise<void>;
  /** SIGTERM (a clean close), resolving once it exited; a no-op once it has. */
  stop(): Promise<void>;
  stderr(): string;
}

/** Starts one instance with `environment` (see the fixture) and waits until it listens. */
export async function spawnBackgroundRunsInstance(
  environment: Record<string, string>,
  readyTimeoutMs = 60_000,
): Promise<BackgroundRunsInstance> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: repositoryRoot,
    env: { ...process.env, ...environment },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ url: string; prefix: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`instance not ready:\n${stderr}`)), readyTimeoutMs);
    child.once('exit', () => reject(new Error(`instance exited before ready:\n${stderr}`)));
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { ready?: boolean; url?: string; prefix?: string };
        if (parsed.ready === true && typeof parsed.url === 'string') {
          clearTimeout(timer);
          child.stdout.resume();
          resolve({ url: parsed.url, prefix: parsed.prefix ?? '/api' });
        }
      } catch {
        // Anything else on stdout is not the ready line.
      }
    });
  });
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return {
    client: createHttpGatewayClient(`${ready.url}${ready.prefix}`),
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
    stderr: () => stderr,
  };
}
