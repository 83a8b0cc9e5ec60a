import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { builtCli, builtCliEnvironment } from './built-cli.js';
import { createHttpGatewayClient, type HttpGatewayClient } from './gateway-client.js';

/** `agent-gateway serve` running in a child process. */
export interface ServeProcess {
  readonly client: HttpGatewayClient;
  /** The process id of the process `spawnServe` started (the CLI's). */
  readonly pid: number;
  /** SIGKILLs the gateway process (only it) and resolves once it exited. */
  kill(): Promise<void>;
  /** SIGTERM (a clean close); resolves its exit code once it exited. */
  stop(): Promise<number | null>;
  output(): string;
}

/** How `spawnServe` starts node, beyond the CLI's own arguments. */
export interface ServeLaunch {
  /** Flags for node itself, before the CLI's entry (`--allocation-site-pretenuring`). */
  nodeArguments?: readonly string[];
  /** Variables added to the environment. */
  environment?: NodeJS.ProcessEnv;
}

/**
 * Runs `agent-gateway serve <file> [args]` with the built CLI (`builtCli`) in `cwd` on a free port of
 * 127.0.0.1, and resolves once it prints its URL. `DATABASE_URL` and `REDIS_URL` are blank
 * unless `environment` sets them.
 */
export async function spawnServe(
  cwd: string,
  file: string,
  args: readonly string[] = [],
  readyTimeoutMs = 120_000,
  launch: ServeLaunch = {},
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(launch.nodeArguments ?? []),
      builtCli,
      'serve',
      file,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--log-format',
      'json',
      ...args,
    ],
    {
      cwd,
      env: { ...process.env, ...builtCliEnvironment, DATABASE_URL: '', REDIS_URL: '', ...launch.environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`serve not ready:\n${output}`)), readyTimeoutMs);
    void exited.then(() => reject(new Error(`serve exited before it listened:\n${output}`)));
    lines.on('line', (line) => {
      output += `${line}\n`;
      const found = /listening on (http:\/\/[^\s"]+)/.exec(line)?.[1];
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  const signal = async (name: NodeJS.Signals): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  return {
    client: createHttpGatewayClient(`${url}/api`),
    pid: child.pid ?? -1,
    kill: async () => {
      await signal('SIGKILL');
    },
    stop: () => signal('SIGTERM'),
    output: () => output,
  };
}
