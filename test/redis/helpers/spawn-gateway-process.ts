import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { GatewayEvent } from '../../../src/core/events.js';
import type { CleanupStack } from '../../helpers/cleanup-stack.js';
import { builtCli, builtCliEnvironment } from '../../helpers/built-cli.js';
import { createHttpGatewayClient, type HttpGatewayClient } from '../../helpers/gateway-client.js';

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/gateway-instance.ts', import.meta.url));
const agentModule = fileURLToPath(new URL('../fixtures/gateway-agent.ts', import.meta.url));

/** How a gateway process ended. */
export interface GatewayProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One side effect a tool of the deployment recorded (see `fixtures/gateway-instance.ts`). */
export interface SideEffectRecord {
  /** The instance whose tool ran. */
  instance: string;
  tool: string;
  input: Record<string, unknown>;
  /** `deleted` (delete_file); `started`, then `waited` or `aborted` (wait_a_bit). */
  outcome: string;
}

/** One gateway instance running as a child process (`fixtures/gateway-instance.ts`). */
export interface GatewayProcess {
  readonly instanceId: string;
  readonly pid: number;
  /** `http://127.0.0.1:<port>` (without the route prefix). */
  readonly url: string;
  /** A client for its routes (`url` plus the route prefix). */
  readonly client: HttpGatewayClient;
  /** Settles when the process has exited, however it ended. Never rejects. */
  readonly exited: Promise<GatewayProcessExit>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Whether it has not exited yet. */
  isRunning(): boolean;
  /** Sends `signal` (default SIGKILL: the instance dies mid-run) and resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<GatewayProcessExit>;
  /**
   * Shuts it down with SIGTERM (SIGKILL after the stop timeout) and rejects unless it exited 0
   * in time; idempotent, and a no-op once the process has exited (e.g. after `kill`).
   */
  stop(): Promise<void>;
  /** Every event its runs of `sessionId` emitted so far, in order (written synchronously, so it survives a kill). */
  events(sessionId: string): GatewayEvent[];
}

/** Options of `spawnGatewayProcesses`. */
export interface SpawnGatewayProcessesOptions {
  /** The Redis every instance shares. */
  redisUrl: string;
  /** A `createMockUpstream` URL (Anthropic flavour) every instance's model talks to. */
  upstreamUrl: string;
  /** How many instances to start now (named `A`, `B`, `C`…; more with `spawn`). */
  count: number;
  /** JSON-serialisable `createAgent` options merged last in every instance. */
  agentOptions?: Record<string, unknown>;
  /** Local tools marked `idempotent` (`wait_a_bit`, `delete_file`); default none. */
  idempotentTools?: string[];
  /** Bound on one process's startup (default 30 000 ms: tsx compiles the sources first). */
  readyTimeoutMs?: number;
  /**
   * How long `stop()` waits after SIGTERM before SIGKILL (default 20 000 ms: the gateway's own
   * deadline, `server.shutdown.timeoutMs` of 10 s, plus room for a loaded machine to run the
   * exit; a hang still fails).
   */
  stopTimeoutMs?: number;
  /**
   * What runs in each process: `instance` (default) is `fixtures/gateway-instance.ts`, which
   * listens and shuts down on its own; `cli` is the real `agent-gateway serve
   * fixtures/gateway-agent.ts` (same app), with the CLI's own listener and signal handling.
   */
  entry?: 'instance' | 'cli';
}

/** Options of `GatewayDeployment.spawn`. */
export interface SpawnOneOptions {
  /** The port to listen on (default: a free one), e.g. the port of the instance it replaces. */
  port?: number | undefined;
}

/** Gateway processes sharing one Redis key prefix and JWT secret: one deployment. */
export interface GatewayDeployment {
  readonly keyPrefix: string;
  readonly jwtSecret: string;
  /** The processes started so far, in start order. */
  readonly processes: readonly GatewayProcess[];
  /** Starts one more instance of the same deployment (e.g. a replacement for a killed one). */
  spawn(instanceId?: string, options?: SpawnOneOptions): Promise<GatewayProcess>;
  /** Every side effect the deployment's tools recorded so far, in order. */
  sideEffects(): SideEffectRecord[];
}

/** Children still running: killed when this process exits, whatever the reason. */
const liveChildren = new Set<ChildProcess>();
let exitGuardInstalled = false;
const installExitGuard = (): void => {
  if (exitGuardInstalled) return;
  exitGuardInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
};

const readJsonLines = (path: string): unknown[] => {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What `agent-gateway serve` prints once it listens, as plain text on a terminal. */
const CLI_READY_LINE = /^agent-gateway listening on (http:\/\/\S+)$/;
/** The same line as a JSON log line (`--log-format json`, the default off a terminal). */
const CLI_READY_MESSAGE = 'agent-gateway listening on ';

const readyLineOf = (line: string): { url: string; prefix: string } | undefined => {
  const cliReady = CLI_READY_LINE.exec(line);
  if (cliReady?.[1] !== undefined) return { url: cliReady[1], prefix: '/api' };
  try {
    const parsed: unknown = JSON.parse(line);
    const cliLine =
      isRecord(parsed) && typeof parsed['msg'] === 'string' && parsed['msg'].startsWith(CLI_READY_MESSAGE);
    if (isRecord(parsed) && (parsed['ready'] === true || cliLine) && typeof parsed['url'] === 'string') {
      return { url: parsed['url'], prefix: typeof parsed['prefix'] === 'string' ? parsed['prefix'] : '/api' };
    }
  } catch {
    // Not the ready line: anything else a process prints is ignored.
  }
  return undefined;
};

/** Resolves with the ready line's URL and prefix; rejects on exit or timeout, with stderr. */
const waitForReady = (
  child: ChildProcess,
  instanceId: string,
  stderr: () => string,
  timeoutMs: number,
): Promise<{ url: string; prefix: string }> =>
  new Promise((resolve, reject) => {
    const stdout = child.stdout;
    if (stdout === null) throw new Error('the gateway process has no stdout pipe');
    const lines = createInterface({ input: stdout });
    const finish = (): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.off('line', onLine);
      lines.close();
      // Keep draining stdout, so that a chatty process never blocks on a full pipe.
      stdout.resume();
    };
    const onLine = (line: string): void => {
      const ready = readyLineOf(line);
      if (ready === undefined) return;
      finish();
      resolve(ready);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish();
      reject(
        new Error(`gateway ${instanceId} exited (${String(code ?? signal)}) before ready:\n${stderr()}`),
      );
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`gateway ${instanceId} was not ready within ${timeoutMs} ms:\n${stderr()}`));
    }, timeoutMs);
    lines.on('line', onLine);
    child.once('exit', onExit);
  });

/** Without provider credentials from the developer's shell: the fixture names its own. */
const childEnvironment = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(environment)) {
    if (name.startsWith('ANTHROPIC_') || name.startsWith('OPENAI_')) delete environment[name];
  }
  return { ...environment, ...extra };
};

/**
 * Starts `count` gateway processes (`node --import tsx fixtures/gateway-instance.ts`, or the built
 * CLI serving `fixtures/gateway-agent.ts` as a user's project would: `options.entry`) on free
 * ports of 127.0.0.1, sharing one Redis under a fresh key prefix and one JWT secret, and waits
 * until each is listening. Every process is registered on `cleanup` (stopped with SIGTERM, then
 * SIGKILL), and killed anyway if the test process exits; a process also stops by itself when
 * its stdin closes, so none outlives the test run.
 */
export async function spawnGatewayProcesses(
  cleanup: CleanupStack,
  options: SpawnGatewayProcessesOptions,
): Promise<GatewayDeployment> {
  installExitGuard();
  // Generous: three processes compiling TypeScript at once on a loaded 2-core machine.
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  const keyPrefix = `mp${randomBytes(4).toString('hex')}:`;
  const jwtSecret = randomBytes(32).toString('hex');
  const directory = cleanup.add(await mkdtemp(join(tmpdir(), 'gateway-processes-')), (path) =>
    rm(path, { recursive: true, force: true }),
  );
  const sideEffectsFile = join(directory, 'side-effects.jsonl');
  await writeFile(sideEffectsFile, '');
  const processes: GatewayProcess[] = [];

  const argumentsOf = (port: number): string[] =>
    options.entry === 'cli'
      ? [
          ...[builtCli, 'serve', agentModule],
          ...['--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--no-playground'],
          // Instances share the working directory: the embedded database is one process's.
          '--no-database',
        ]
      : ['--import', 'tsx', fixture];

  const start = async (instanceId: string, port = 0): Promise<GatewayProcess> => {
    const eventsFile = join(directory, `events-${instanceId}.jsonl`);
    const child = spawn(process.execPath, argumentsOf(port), {
      cwd: repositoryRoot,
      env: childEnvironment({
        REDIS_URL: options.redisUrl,
        GATEWAY_KEY_PREFIX: keyPrefix,
        GATEWAY_JWT_SECRET: jwtSecret,
        GATEWAY_INSTANCE_ID: instanceId,
        GATEWAY_UPSTREAM_URL: options.upstreamUrl,
        GATEWAY_SIDE_EFFECTS_FILE: sideEffectsFile,
        GATEWAY_EVENTS_FILE: eventsFile,
        GATEWAY_IDEMPOTENT_TOOLS: (options.idempotentTools ?? []).join(','),
        GATEWAY_AGENT_OPTIONS: JSON.stringify(options.agentOptions ?? {}),
        GATEWAY_PORT: String(port),
        ...(options.entry === 'cli' ? builtCliEnvironment : {}),
      }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    liveChildren.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<GatewayProcessExit>((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        resolve({ code, signal });
      });
    });
    // A failed spawn (no such executable) ends as an exit with no code; keep it observable.
    child.once('error', (error) => (stderr += `spawn failed: ${error.message}\n`));

    const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
    const kill = (signal: NodeJS.Signals = 'SIGKILL'): Promise<GatewayProcessExit> => {
      if (isRunning()) child.kill(signal);
      return exited;
    };
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        if (!isRunning()) return;
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const forced = new Promise<'forced'>((resolve) => {
          timer = setTimeout(() => resolve('forced'), stopTimeoutMs);
        });
        const outcome = await Promise.race([exited, forced]);
        clearTimeout(timer);
        if (outcome === 'forced') child.kill('SIGKILL');
        const exit = await exited;
        child.stdin?.destroy();
        // A clean shutdown is part of the contract: a hang or a failing close() fails the suite.
        if (outcome === 'forced' || exit.code !== 0) {
          const how =
            outcome === 'forced'
              ? `did not exit within ${stopTimeoutMs} ms of SIGTERM`
              : `exited with ${String(exit.code ?? exit.signal)}`;
          throw new Error(`gateway ${instanceId} ${how}:\n${stderr}`);
        }
      })();
      return stopping;
    };
    cleanup.add(child, () => stop());

    const ready = await waitForReady(child, instanceId, () => stderr, readyTimeoutMs);
    const { pid } = child;
    if (pid === undefined) throw new Error(`gateway ${instanceId} has no pid:\n${stderr}`);
    const gatewayProcess: GatewayProcess = {
      instanceId,
      pid,
      url: ready.url,
      client: createHttpGatewayClient(`${ready.url}${ready.prefix}`),
      exited,
      stderr: () => stderr,
      isRunning,
      kill,
      stop,
      events: (sessionId) =>
        readJsonLines(eventsFile).flatMap((line) =>
          isRecord(line) && line['sessionId'] === sessionId && isRecord(line['event'])
            ? [line['event'] as unknown as GatewayEvent]
            : [],
        ),
    };
    processes.push(gatewayProcess);
    return gatewayProcess;
  };

  const nameOf = (index: number): string => String.fromCharCode('A'.charCodeAt(0) + index);
  await Promise.all(Array.from({ length: options.count }, (_unused, index) => start(nameOf(index))));
  // Parallel starts finish in any order; keep A, B, C… in name order.
  processes.sort((left, right) => left.instanceId.localeCompare(right.instanceId));

  return {
    keyPrefix,
    jwtSecret,
    processes,
    spawn: (instanceId, spawnOptions = {}) =>
      start(instanceId ?? nameOf(processes.length), spawnOptions.port),
    sideEffects: () =>
      readJsonLines(sideEffectsFile).filter(
        (line): line is SideEffectRecord => isRecord(line) && typeof line['tool'] === 'string',
      ),
  };
}
