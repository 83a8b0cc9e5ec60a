import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Variables a snippet must not see: with no provider credential the gateway answers with its
 * stub reply instead of calling a model; a base URL would still send OpenAI-compatible traffic,
 * a Redis URL would switch the stores, and Telegram variables would deliver real messages.
 */
export const WITHHELD_VARIABLES = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_BASE_URL',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'REDIS_URL',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_CHAT_ID',
] as const;

/** A copy of `environment` without the variables in `WITHHELD_VARIABLES`. */
export function snippetEnvironment(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...environment };
  for (const name of WITHHELD_VARIABLES) delete copy[name];
  return copy;
}

/** How to run one snippet module. */
export interface RunSnippetOptions {
  /** The snippet module (absolute path). */
  file: string;
  /** The workspace tsconfig: tsx takes `paths` from it. */
  tsconfigPath: string;
  /** Working directory (files the snippet writes land here). */
  cwd: string;
  /** The run is killed after this long. */
  timeoutMs: number;
  /** Stops (kills) the run early. */
  signal?: AbortSignal | undefined;
}

/** How a snippet run ended. */
export interface SnippetRunResult {
  exitCode: number | null;
  /** The signal that ended it, if any (SIGKILL after a timeout). */
  signalName: NodeJS.Signals | null;
  timedOut: boolean;
  /** stdout and stderr interleaved, the last 20 000 characters at most. */
  output: string;
}

const OUTPUT_LIMIT = 20_000;
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

const killGroup = (pid: number | undefined): void => {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
};

/**
 * Runs a snippet with tsx in its own process group, without provider credentials, and kills the
 * whole group (tsx, its node child and anything the snippet started) on timeout, on abort, and
 * after it exits, so nothing a snippet starts outlives the check.
 */
export function runSnippet(options: RunSnippetOptions): Promise<SnippetRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, '--tsconfig', options.tsconfigPath, options.file], {
      cwd: options.cwd,
      env: snippetEnvironment(process.env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let timedOut = false;
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    const onAbort = (): void => killGroup(child.pid);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted === true) onAbort();
    // Once the snippet exits, whatever it left running goes too (and lets the pipes close).
    child.once('exit', () => killGroup(child.pid));
    const finish = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      killGroup(child.pid);
    };
    child.once('error', (error) => {
      finish();
      reject(error);
    });
    child.once('close', (exitCode, signalName) => {
      finish();
      resolve({ exitCode, signalName, timedOut, output });
    });
  });
}
