import { isGatewayError } from '../core/errors.js';
import { formatDuration } from '../core/format-duration.js';
import { runAutonomous } from '../headless/run-autonomous.js';
import type { HeadlessSpec, RunAutonomousOptions } from '../headless/run-autonomous-options.js';
import type { RunOutput } from '../headless/run-output.js';
import { runOutputExitCode, runOutputOutcome } from '../headless/run-output.js';
import type { AgentDefinition, GatewayApp } from '../server/gateway-app.js';
import { isClientTool } from '../tools/define-tool.js';
import { runDatabaseSetting } from './apply-database-url.js';
import { loadAgentModule } from './load-agent-module.js';
import { createRunPrinter } from './run-printer.js';
import { createJsonLineLogger, type LogLevel } from '../agent/json-line-logger.js';

/** Options of `runRunCommand` (`agent-gateway run <agent-file> "<message>"`). */
export interface RunCommandOptions {
  /** The agent module: its default (or `app`) export must come from `createAgent`. */
  file: string;
  /** The user message the run starts from. */
  message: string;
  /** Keep state between runs in `<stateDir>/state.json`. */
  stateDir?: string | undefined;
  /** Wall-clock limit of the run in seconds (default 600). */
  timeoutSeconds?: number | undefined;
  /**
   * Continue this stored thread (created on first use), owned by the headless principal: in
   * the agent's `server.database`, else PostgreSQL at `databaseUrl`, else the embedded database.
   */
  thread?: string | undefined;
  /** PostgreSQL for `thread` (default: the `DATABASE_URL` environment variable). */
  databaseUrl?: string | undefined;
  /** Resolves `file` (default: the process's working directory). */
  cwd?: string | undefined;
  /** Cancels the run; default: SIGINT / SIGTERM of this process. */
  signal?: AbortSignal | undefined;
  /** Receives the response (default: stdout). */
  writeResponse?: ((text: string) => void) | undefined;
  /** Receives the outcome line and errors (default: stderr). */
  writeStatus?: ((line: string) => void) | undefined;
  /** Receives progress text: tool calls, retries (default: stderr). */
  writeProgress?: ((text: string) => void) | undefined;
  /** Print the run's events as JSON lines instead of its text. */
  json?: boolean | undefined;
  /** Log level of the run's logger when the module sets none (default: warnings and errors). */
  logLevel?: LogLevel | undefined;
}

/** Exit code of a module or option problem (the same as a command-line usage error). */
export const RUN_CONFIGURATION_EXIT_CODE = 2;
/** Exit code after SIGINT / cancellation (128 + SIGINT, as shells report it). */
export const RUN_CANCELLED_EXIT_CODE = 130;

/** What a headless run of a served agent takes from the command line. */
export type HeadlessRunSettings = Pick<
  HeadlessSpec,
  'initialMessage' | 'stateDir' | 'timeoutMs' | 'signal' | 'thread' | 'database'
>;

/**
 * The `runAutonomous` options of a `createAgent` definition: the same agent spec (prompt,
 * provider, tools, limits, hooks) with a `headless` group instead of `server`. Client-side tools
 * and code execution are left out (no client is connected; code execution is served only), and
 * `dropped` names them so the command can say so.
 */
export function toAutonomousOptions(
  definition: AgentDefinition,
  run: HeadlessRunSettings,
): { options: RunAutonomousOptions; dropped: string[] } {
  const { server: _server, heartbeat: _heartbeat, codeExecution, tools = [], ...agent } = definition.spec;
  const clientTools = tools.filter(isClientTool);
  const dropped = [
    ...clientTools.map((tool) => `client-side tool ${tool.definition.name}`),
    ...(codeExecution === undefined || codeExecution === false ? [] : ['code execution']),
  ];
  const headless: HeadlessSpec = {
    initialMessage: run.initialMessage,
    ...(run.stateDir === undefined ? {} : { stateDir: run.stateDir }),
    ...(run.timeoutMs === undefined ? {} : { timeoutMs: run.timeoutMs }),
    ...(run.signal === undefined ? {} : { signal: run.signal }),
    ...(run.thread === undefined ? {} : { thread: run.thread }),
    ...(run.database === undefined ? {} : { database: run.database }),
  };
  return {
    options: { ...agent, tools: tools.filter((tool) => !isClientTool(tool)), headless },
    dropped,
  };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** One line for stderr: outcome, exit code, tools, usage, compactions and the error if any. */
function outcomeLine(output: RunOutput): string {
  const { usage } = output;
  const parts = [
    `outcome: ${runOutputOutcome(output)} (exit ${runOutputExitCode(output)})`,
    `tools: ${output.toolsUsed.length === 0 ? 'none' : [...new Set(output.toolsUsed)].join(', ')}`,
    usage.inputTokens === undefined && usage.outputTokens === undefined
      ? 'usage: none reported'
      : `usage: in=${usage.inputTokens ?? '?'} out=${usage.outputTokens ?? '?'} est_cost=${usage.estimatedCost ?? '?'}`,
  ];
  const compactions = output.compactions?.length ?? 0;
  if (compactions > 0) parts.push(`compactions: ${compactions}`);
  if (output.error) parts.push(`error: ${output.error.replace(/\s+/g, ' ')}`);
  return `agent-gateway run: ${parts.join(' | ')}`;
}

/** A signal aborted by SIGINT / SIGTERM, and the function that removes the handlers. */
function processSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

/** A `--timeout` above this many seconds (an hour) was most likely typed in milliseconds. */
const IMPLAUSIBLE_TIMEOUT_SECONDS = 3_600;

/**
 * `agent-gateway run <agent-file> "<message>"`: runs the agent a `createAgent` module defines,
 * headless, once — for cron. Streams the response to stdout as it arrives (or, with `json`, every
 * event as a JSON line), tool calls as progress lines to stderr, then a one-line outcome,
 * and resolves the exit code: the run's (`runOutputExitCode`: 0, 1 error, 2 budget, 3 max
 * turns, 124 timeout), 2 for a module without an agent definition or invalid options, 130
 * when cancelled.
 */
export async function runRunCommand(options: RunCommandOptions): Promise<number> {
  const writeResponse = options.writeResponse ?? ((text: string) => void process.stdout.write(text));
  const writeStatus = options.writeStatus ?? ((line: string) => console.error(line));
  let app: GatewayApp;
  try {
    app = await loadAgentModule(options.file, options.cwd);
  } catch (error) {
    writeStatus(`agent-gateway run: ${messageOf(error)}`);
    return RUN_CONFIGURATION_EXIT_CODE;
  }
  const interruption = options.signal === undefined ? processSignal() : undefined;
  try {
    const definition = app.agentDefinition;
    if (definition === undefined) {
      writeStatus(
        `agent-gateway run: ${options.file} exports a gateway app without an agent definition; build it with createAgent() to run it headless`,
      );
      return RUN_CONFIGURATION_EXIT_CODE;
    }
    const notice = (line: string): void => writeStatus(`agent-gateway run: ${line}`);
    const { options: runOptions, dropped } = toAutonomousOptions(definition, {
      initialMessage: options.message,
      stateDir: options.stateDir,
      timeoutMs: options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
      signal: options.signal ?? interruption?.signal,
      ...(options.thread === undefined
        ? {}
        : {
            thread: options.thread,
            database: runDatabaseSetting(
              definition.spec.server?.database,
              options.databaseUrl ?? process.env['DATABASE_URL'],
              notice,
            ),
          }),
    });
    if (options.timeoutSeconds !== undefined && options.timeoutSeconds > IMPLAUSIBLE_TIMEOUT_SECONDS) {
      writeStatus(
        `agent-gateway run: --timeout is in seconds: ${options.timeoutSeconds} is ` +
          `${formatDuration(options.timeoutSeconds * 1000)}; for ${options.timeoutSeconds} milliseconds write ` +
          `--timeout ${options.timeoutSeconds / 1000}`,
      );
    }
    if (dropped.length > 0) {
      writeStatus(`agent-gateway run: not available without a client: ${dropped.join(', ')}`);
    }
    const printer = createRunPrinter({
      writeText: writeResponse,
      writeProgress: options.writeProgress ?? ((text: string) => void process.stderr.write(text)),
      json: options.json === true,
      tty: options.writeProgress === undefined && process.stderr.isTTY,
    });
    if (options.logLevel !== undefined && runOptions.logger === undefined) {
      runOptions.logger = createJsonLineLogger({ level: options.logLevel });
    }
    const userOnEvent = runOptions.hooks?.onEvent;
    runOptions.hooks = {
      ...runOptions.hooks,
      onEvent: (event, sessionId) => {
        printer.onEvent(event);
        return userOnEvent?.(event, sessionId);
      },
    };
    let output: RunOutput;
    try {
      output = await runAutonomous(runOptions);
    } finally {
      printer.finish();
    }
    // The text streamed as it came; a timeout's notice follows the partial text.
    writeStatus(outcomeLine(output));
    return runOutputExitCode(output);
  } catch (error) {
    writeStatus(`agent-gateway run: ${messageOf(error)}`);
    if (isGatewayError(error, 'aborted')) return RUN_CANCELLED_EXIT_CODE;
    return isGatewayError(error, 'invalid_option') || isGatewayError(error, 'unknown_provider')
      ? RUN_CONFIGURATION_EXIT_CODE
      : 1;
  } finally {
    interruption?.dispose();
    await app.close();
  }
}
