import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ListeningServer } from '../server/gateway-app.js';
import { boundAddressLine } from './bound-address-line.js';
import { applyDatabaseUrl } from './apply-database-url.js';
import { applyRedisUrl, isClusterFlag } from './apply-redis-url.js';
import { applyServerOverrides, type ServerOverrides } from './apply-server-overrides.js';
import { applyDemoMode } from './apply-demo-mode.js';
import { isStartedByNpm, watchLauncher } from './launcher-watch.js';
import { watchPathsFor } from './watch-paths.js';
import { listenForEarlyStop } from './early-stop-signal.js';
import { loadAgentModule } from './load-agent-module.js';
import { startAgentHeartbeat } from './serve-heartbeat.js';
import {
  adoptReexecution,
  needsReexecution,
  reexecutionEnvironment,
  serveV8Flags,
} from './serving-process.js';
import { createJsonLineLogger, flushStandardErrorLines } from '../agent/json-line-logger.js';
import type { CliCommand } from './parse-cli-args.js';
import type { Logger } from '../core/logger.js';

const isAddressInUse = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && Reflect.get(error, 'code') === 'EADDRINUSE';

/** Hosts on which the playground is on by default. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The session secret `serve --watch` hands to each restart of its child, so that a browser's
 * session outlives a reload of the agent module.
 */
const WATCH_SECRET_VARIABLE = 'AGENT_GATEWAY_WATCH_SESSION_SECRET';

/** Reads (and removes from the environment) the secret a `--watch` parent passed down. */
const takeWatchSecret = (): string | undefined => {
  const secret = process.env[WATCH_SECRET_VARIABLE];
  delete process.env[WATCH_SECRET_VARIABLE];
  return secret === undefined || secret === '' ? undefined : secret;
};

/** Options of `runServeCommand`. */
export type ServeCommandOptions = Omit<Extract<CliCommand, { command: 'serve' }>, 'command'>;

/** How the CLI prints its own lines, in the log format of the gateway it serves. */
interface CliOutput {
  /** The gateway's logger (standard error, `--log-level`). */
  logger: Logger;
  /** A line scripts wait for (the URL, shutdown): standard output, whatever the level. */
  say: (message: string, details?: Record<string, unknown>) => void;
  /** Something the person should know about their command line or module. */
  notice: (message: string) => void;
}

/**
 * On a terminal (`pretty`) the CLI's own lines stay plain text; in `json` they are log lines
 * like every other, so that a log shipper reading both streams gets nothing but JSON.
 */
const createCliOutput = (options: ServeCommandOptions): CliOutput => {
  const format = options.logFormat ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const logger = createJsonLineLogger({
    level: options.logLevel ?? 'info',
    format,
    colour: process.stderr.isTTY,
  });
  if (format === 'pretty') {
    return {
      logger,
      say: (message) => {
        flushStandardErrorLines();
        console.log(message);
      },
      notice: (message) => {
        flushStandardErrorLines();
        console.error(`agent-gateway: ${message}`);
      },
    };
  }
  const stdout = createJsonLineLogger({
    level: 'debug',
    // After the log lines held for standard error: both streams keep the order they were said in.
    write: (line) => {
      flushStandardErrorLines();
      process.stdout.write(`${line}\n`);
    },
  });
  return {
    logger,
    say: (message, details) => stdout.info(message, details),
    notice: (message) => logger.warn(message),
  };
};

/**
 * Re-runs this CLI under `node --watch` so the agent module and everything it imports reload on
 * change; signals are forwarded to the child.
 */
const serveWithWatch = (options: ServeCommandOptions): Promise<number> => {
  const cliEntry = fileURLToPath(import.meta.url).replace(/serve-command\.(ts|js)$/, 'main.$1');
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      '--watch',
      // Keep earlier output on screen: Node then prints one "Restarting" line per change.
      '--watch-preserve-output',
      ...(needsReexecution(process.execArgv, process.env) ? serveV8Flags(process.execArgv) : []),
      ...watchPathsFor(dirname(resolve(options.file))).flatMap((path) => ['--watch-path', path]),
      ...(cliEntry.endsWith('.ts') ? ['--import', 'tsx'] : []),
      cliEntry,
      'serve',
      options.file,
      '--port',
      String(options.port),
      '--host',
      options.host,
      ...(options.playground === undefined ? [] : [options.playground ? '--playground' : '--no-playground']),
      ...(options.inbox === undefined ? [] : [options.inbox ? '--inbox' : '--no-inbox']),
      ...(options.metrics === true ? ['--metrics'] : []),
      ...(options.a2a === true ? ['--a2a'] : []),
      ...(options.mcp === true ? ['--mcp'] : []),
      ...(options.demo === true ? ['--demo'] : []),
      ...(options.noDatabase === true ? ['--no-database'] : []),
      ...(options.noMigrate === true ? ['--no-migrate'] : []),
      ...(options.logLevel === undefined ? [] : ['--log-level', options.logLevel]),
      ...(options.logFormat === undefined ? [] : ['--log-format', options.logFormat]),
    ],
    {
      stdio: 'inherit',
      env: {
        ...(needsReexecution(process.execArgv, process.env)
          ? reexecutionEnvironment(process.env)
          : process.env),
        [WATCH_SECRET_VARIABLE]: randomBytes(32).toString('hex'),
      },
    },
  );
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  // A layer between npm and the gateway: npm's swallowed SIGTERM reaches the child this way.
  if (isStartedByNpm(process.env)) watchLauncher({ onGone: forward('SIGTERM') });
  return new Promise((resolveExit) => child.on('exit', (code) => resolveExit(code ?? 0)));
};

/**
 * `agent-gateway serve`: loads the module, listens, prints the URL, starts the agent's
 * `heartbeat` if it has one, and on SIGINT or SIGTERM stops the heartbeat and closes the app
 * gracefully (draining streams, running shutdown hooks).
 */
export async function runServeCommand(options: ServeCommandOptions): Promise<number> {
  if (options.watch) return serveWithWatch(options);
  const { logger, say, notice } = createCliOutput(options);
  // A SIGTERM while starting is kept for later: the gateway shuts down once it serves.
  const earlyStop = listenForEarlyStop();
  // Before the module loads: its own subprocesses must not inherit the re-execution's mark.
  const reexecuted = adoptReexecution();
  const watchSecret = takeWatchSecret();
  const withStore = await applyRedisUrl(
    await loadAgentModule(options.file),
    process.env['REDIS_URL'],
    notice,
    isClusterFlag(process.env['REDIS_CLUSTER']),
  );
  const withDatabase =
    options.noDatabase === true
      ? withStore
      : await applyDatabaseUrl(withStore, process.env['DATABASE_URL'], notice, options.noMigrate !== true);
  const configured = await applyServerOverrides(
    withDatabase,
    {
      logger,
      flags: {
        ...(options.playground === undefined ? {} : { playground: options.playground }),
        ...(options.inbox === undefined ? {} : { inbox: options.inbox }),
        ...(options.metrics === true ? { metrics: true } : {}),
        ...(options.a2a === true ? { a2a: true } : {}),
        ...(options.mcp === true ? { mcp: true } : {}),
      } satisfies ServerOverrides,
      defaults: {
        // On loopback the gateway's own pages are on for whoever works on this machine; elsewhere
        // the inbox follows `server.inbox`'s default (on where requests are authenticated).
        ...(LOOPBACK_HOSTS.has(options.host) ? { playground: true, inbox: true } : {}),
        ...(watchSecret === undefined ? {} : { jwtSecret: watchSecret, restoreSessionsFromTokens: true }),
      },
    },
    notice,
  );
  const app = options.demo === true ? await applyDemoMode(configured, notice) : configured;
  let server: ListeningServer;
  try {
    server = await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    // Startup hooks may already have run (listen starts the app before binding).
    await app.close();
    if (isAddressInUse(error)) {
      throw new Error(
        `${options.host}:${options.port} is already in use (EADDRINUSE): stop the other server or ` +
          'pick another port with --port (--port 0 takes a free one)',
        { cause: error },
      );
    }
    throw error;
  }
  // Said once the app serves, among the start-up report (a module that fails to load says only that).
  if (reexecuted !== undefined) logger.info(reexecuted);
  const bound = boundAddressLine(server, networkInterfaces());
  say(bound.message, { url: server.url, ...(bound.urls.length > 1 ? { urls: bound.urls } : {}) });
  if (app.a2aPath !== undefined && app.agentCardPath !== undefined) {
    const a2a = `${server.url}${app.a2aPath}`;
    const card = `${server.url}${app.agentCardPath}`;
    say(`agent-gateway A2A: ${a2a} (agent card ${card})`, { url: a2a, agentCard: card });
  }
  if (app.mcpPath !== undefined) {
    const mcp = `${server.url}${app.mcpPath}`;
    say(`agent-gateway MCP: ${mcp}`, { url: mcp });
  }
  if (app.playgroundPath !== undefined) {
    const playground = `${server.url}${app.playgroundPath}`;
    say(`agent-gateway playground: ${playground}`, { url: playground });
  }
  if (app.inboxPath !== undefined) {
    const inbox = `${server.url}${app.inboxPath}`;
    say(`agent-gateway approvals inbox: ${inbox}`, { url: inbox });
  }
  // The agent's own heartbeat (createAgent's `heartbeat`), once the app serves: stopped with it.
  const heartbeat = startAgentHeartbeat(app.agentDefinition, { logger, notice });
  if (heartbeat !== undefined) say('agent-gateway heartbeat started', { clustered: heartbeat.clustered });
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      say(`${signal} received, shutting down…`, { signal });
      // Readiness answers 503 at once; the app keeps serving for server.shutdown.drainDelayMs
      // (balancers and Kubernetes stop sending meanwhile), then stops accepting, ends or hands
      // over its runs, runs the shutdown hooks and closes the listener once its streams have
      // ended: waiting for the listener first would wait on connections still streaming.
      Promise.all([heartbeat?.stop(), app.close()])
        .then(() => server.close())
        .then(
          () => resolveExit(0),
          (error: unknown) => {
            logger.error('shutdown failed', { error });
            resolveExit(1);
          },
        );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    earlyStop.release();
    const early = earlyStop.received();
    if (early !== undefined) stop(early);
    // npm's shell swallows the SIGTERM meant for the gateway: its exit stands in for it.
    if (isStartedByNpm(process.env)) {
      watchLauncher({
        onGone: () => {
          say('the npm process that started the gateway exited, shutting down as on SIGTERM', {
            signal: 'SIGTERM',
          });
          stop('SIGTERM');
        },
      });
    }
  });
}
