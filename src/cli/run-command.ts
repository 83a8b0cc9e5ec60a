import { isGatewayError } from '../core/errors.js';
import { runAutonomous } from '../headless/run-autonomous.js';
import type { RunAutonomousOptions } from '../headless/run-autonomous-options.js';
import { NOT_YET_SUPPORTED_OPTIONS } from '../headless/run-autonomous-options.js';
import type { RunOutput } from '../headless/run-output.js';
import { runOutputExitCode, runOutputOutcome } from '../headless/run-output.js';
import type { AgentDefinition, GatewayApp } from '../server/gateway-app.js';
import { MCP_EASY_OPTION_KEYS } from '../tools/mcp/mcp-easy-options.js';
import { loadAgentModule } from './load-agent-module.js';

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
  /** Resolves `file` (default: the process's working directory). */
  cwd?: string | undefined;
  /** Cancels the run; default: SIGINT / SIGTERM of this process. */
  signal?: AbortSignal | undefined;
  /** Receives the response (default: stdout). */
  writeResponse?: ((text: string) => void) | undefined;
  /** Receives the outcome line and errors (default: stderr). */
  writeStatus?: ((line: string) => void) | undefined;
}

/** Exit code of a module or option problem (the same as a command-line usage error). */
export const RUN_CONFIGURATION_EXIT_CODE = 2;
/** Exit code after SIGINT / cancellation (128 + SIGINT, as shells report it). */
export const RUN_CANCELLED_EXIT_CODE = 130;

/** createAgent options that mean the same in a headless run, copied as they are. */
const SHARED_OPTION_KEYS = [
  'provider',
  'model',
  'providerConfig',
  'apiKey',
  'authToken',
  'maxTokens',
  'thinking',
  'toolHandlers',
  'toolDefinitions',
  'tools',
  'interceptors',
  'needsApproval',
  'maxTurns',
  'maxBudgetUsd',
  'perTurnTimeout',
  'toolCallTimeout',
  'onUsage',
  'onToolResult',
  'onToolTiming',
  'onMaxTurns',
  'onEvent',
  'skillsDir',
  'skillsExcludedTools',
  'outputsDir',
  'maxConcurrentSubAgents',
  ...MCP_EASY_OPTION_KEYS,
] as const satisfies ReadonlyArray<keyof RunAutonomousOptions & keyof AgentDefinition['options']>;

/**
 * The `runAutonomous` options of a `createAgent` definition: same prompt, provider, tools and
 * limits. Server-only options (CORS, keys, stores…) have no meaning here and are dropped;
 * client-side tools are dropped because no client is connected. Options headless runs do not
 * support yet (MCP, skills) are passed on so that `runAutonomous` refuses them by name, rather
 * than the run silently going without those tools.
 */
export function toAutonomousOptions(
  definition: AgentDefinition,
  run: Pick<RunAutonomousOptions, 'initialMessage' | 'stateDir' | 'timeoutSeconds' | 'signal'>,
): RunAutonomousOptions {
  const mapped: RunAutonomousOptions = {
    systemPrompt: definition.systemPrompt,
    initialMessage: run.initialMessage,
  };
  const source = definition.options as Record<string, unknown>;
  for (const key of SHARED_OPTION_KEYS) {
    if (source[key] !== undefined) Object.assign(mapped, { [key]: source[key] });
  }
  for (const key of NOT_YET_SUPPORTED_OPTIONS.keys()) {
    if (source[key] !== undefined) Object.assign(mapped, { [key]: source[key] });
  }
  if (run.stateDir !== undefined) mapped.stateDir = run.stateDir;
  if (run.timeoutSeconds !== undefined) mapped.timeoutSeconds = run.timeoutSeconds;
  if (run.signal !== undefined) mapped.signal = run.signal;
  return mapped;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** One line for stderr: outcome, exit code, tools, usage, and the error if any. */
function outcomeLine(output: RunOutput): string {
  const { usage } = output;
  const parts = [
    `outcome: ${runOutputOutcome(output)} (exit ${runOutputExitCode(output)})`,
    `tools: ${output.toolsUsed.length === 0 ? 'none' : [...new Set(output.toolsUsed)].join(', ')}`,
    `usage: in=${usage.input_tokens ?? '?'} out=${usage.output_tokens ?? '?'} est_cost=${usage.estimated_cost ?? '?'}`,
  ];
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

/**
 * `agent-gateway run <agent-file> "<message>"`: runs the agent a `createAgent` module defines,
 * headless, once — for cron. Prints the response to stdout and a one-line outcome to stderr,
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
    const clientTools = definition.options.clientTools ?? [];
    if (clientTools.length > 0) {
      writeStatus(
        `agent-gateway run: client-side tools are not available without a client: ${clientTools.map((tool) => tool.name).join(', ')}`,
      );
    }
    const output = await runAutonomous(
      toAutonomousOptions(definition, {
        initialMessage: options.message,
        stateDir: options.stateDir,
        timeoutSeconds: options.timeoutSeconds,
        signal: options.signal ?? interruption?.signal,
      }),
    );
    if (output.response !== '') writeResponse(`${output.response}\n`);
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
