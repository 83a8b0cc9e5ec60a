import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopOnSignal } from './stop-children-on-signal.js';

// The built package, as a user runs it (`npm run build` first): no TypeScript loader in the gateway.
const cliEntry = fileURLToPath(new URL('../../bin/agent-gateway.js', import.meta.url));
/** The built package's entry, for modules the benches write into a gateway's folder. */
export const builtPackageEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** How a durable-default bench serves its agent: the default (embedded database) or without one. */
export type ServeMode = 'default' | 'no-database';

/** A `serve` process started by `startServeGateway`. */
export interface ServeGateway {
  mode: ServeMode;
  child: ChildProcess;
  /** `http://127.0.0.1:<port>/api` */
  base: string;
  /** Its project folder (removed by `stopServeGateway`). */
  project: string;
  /** From spawning to the first 200 of `/api/health`, in ms. */
  startMs: number;
}

/** Options of `startServeGateway`. */
export interface StartServeGatewayOptions {
  mode: ServeMode;
  /** The mock model's URL (the agent's Anthropic `baseURL`). */
  upstreamUrl: string;
  /** Names the project folder (`bench-<label>-<mode>-…`). */
  label: string;
  /** The `node` binary to run it with (default: this process's). */
  execPath?: string;
  /** `--log-level` (default `warn`; `info` is the CLI's own default, a new user's). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Where its stderr (its log) goes: this process's (default), or /dev/null (`ignore`: it still
   * formats and writes every line, the kernel drops them).
   */
  stderr?: 'inherit' | 'ignore';
  /** Flags for `node` before the CLI (`--cpu-prof`, `--import`). */
  nodeFlags?: readonly string[];
  /** Flags after `serve agent.mjs` besides the address and `--no-database`. */
  serveFlags?: readonly string[];
  /** More environment for the gateway. */
  env?: NodeJS.ProcessEnv;
  /** More files to write into the project folder first, by name. */
  files?: Readonly<Record<string, string>>;
  /**
   * A copy of the built package to serve (a folder holding `bin/` and `dist/`, under which the
   * bare imports resolve, as `buildServeTree` lays one out); this checkout's build when absent.
   */
  packageRoot?: string;
  /** More `server` settings of the bench agent (JSON values), over its own. */
  server?: Readonly<Record<string, unknown>>;
  /**
   * More `server` settings as JavaScript source (`key: value,` entries), for values JSON cannot
   * carry (a hook function); after `server`.
   */
  serverSource?: string;
}

/** The bench agent: the mock model through the Anthropic SDK, one key, limits out of the way. */
const agentSource = (
  upstreamUrl: string,
  packageEntry = builtPackageEntry,
  server: Readonly<Record<string, unknown>> = {},
  serverSource = '',
): string => `import { createAgent } from ${JSON.stringify(packageEntry)};
export default createAgent({
  systemPrompt: 'You answer.',
  provider: 'anthropic',
  apiKey: 'bench-key',
  providerConfig: { baseURL: ${JSON.stringify(upstreamUrl)} },
  server: {
    validApiKeys: ['bench'],
    serverSideApiKeys: ['bench'],
    playground: false,
    rateLimit: { requests: 10_000_000, windowMs: 60_000 },
    sessionRateLimit: { sessions: 100_000, windowMs: 60_000 },
    ...${JSON.stringify(server)},
    ${serverSource}
  },
});
`;

/**
 * Starts `agent-gateway serve agent.mjs` in a fresh project folder (the bench agent, against
 * `upstreamUrl`), on a free port of 127.0.0.1; resolves once `/api/health` answers 200.
 */
export async function startServeGateway(options: StartServeGatewayOptions): Promise<ServeGateway> {
  const { mode } = options;
  const project = await mkdtemp(join(tmpdir(), `bench-${options.label}-${mode}-`));
  await chmod(project, 0o755);
  const root = options.packageRoot;
  const entry = root === undefined ? builtPackageEntry : join(root, 'dist', 'index.js');
  await writeFile(
    join(project, 'agent.mjs'),
    agentSource(options.upstreamUrl, entry, options.server, options.serverSource),
  );
  for (const [name, text] of Object.entries(options.files ?? {})) await writeFile(join(project, name), text);
  const started = performance.now();
  const child = stopOnSignal(
    spawn(
      options.execPath ?? process.execPath,
      [
        ...(options.nodeFlags ?? []),
        root === undefined ? cliEntry : join(root, 'bin', 'agent-gateway.js'),
        'serve',
        'agent.mjs',
        ...['--port', '0', '--host', '127.0.0.1', '--log-level', options.logLevel ?? 'warn'],
        ...(options.serveFlags ?? []),
        ...(mode === 'no-database' ? ['--no-database'] : []),
      ],
      {
        cwd: project,
        env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...options.env },
        stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'],
      },
    ),
    () => rm(project, { recursive: true, force: true }),
  );
  const url = await healthyUrlOf(child, mode);
  return { mode, child, base: `${url}/api`, project, startMs: performance.now() - started };
}

/**
 * The URL a spawned `serve` (stdout piped) says it listens on, once `/api/health` answers 200
 * there; rejects if the process exits first.
 */
export async function healthyUrlOf(child: ChildProcess, mode: ServeMode): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`serve (${mode}) exited with ${code}`)));
    if (child.stdout === null) throw new Error('serve was spawned without a stdout pipe');
    createInterface({ input: child.stdout }).on('line', (line) => {
      const found = /listening on (http:\/\/[^\s"]+)/.exec(line)?.[1];
      if (found !== undefined) resolve(found);
    });
  });
  for (;;) {
    const health = await fetch(`${url}/api/health`).catch(() => undefined);
    if (health?.status === 200) return url;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Stops the gateway with SIGTERM, waits for it to exit and removes its project folder. */
export async function stopServeGateway(gateway: ServeGateway): Promise<void> {
  const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
  gateway.child.kill('SIGTERM');
  await exited;
  await rm(gateway.project, { recursive: true, force: true });
}

/** A JSON `POST`, with the session's bearer token when given. */
export const postJson = (url: string, body: unknown, token?: string): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
