import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { usageOf } from './cli-usage.js';
import { CliUsageError, parseCliArgs, type CliTopic } from './parse-cli-args.js';
import { needsReexecution, serveInReexecutedProcess } from './serving-process.js';

const packageVersion = (): string => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
};

/** The stack of an error and of its causes, for `--verbose`. */
const stackOf = (error: unknown): string => {
  const parts: string[] = [];
  for (let current: unknown = error; current !== undefined && parts.length < 5;) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : JSON.stringify(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\nCaused by: ');
};

/** The command a command line names, for the help text shown with its usage error. */
const topicOf = (argv: readonly string[]): CliTopic | undefined =>
  argv[0] === 'serve' || argv[0] === 'run' || argv[0] === 'init' ? argv[0] : undefined;

/** How `main` was called. */
export interface CliInvocation {
  /**
   * Whether the CLI owns this process (started as `agent-gateway` or `node …/cli/main.js`), so
   * that `serve` may re-execute it under the V8 flags it wants. Left out when `main` is called
   * in another program's process (tests, embedding): re-executing would start that program again.
   */
  ownsProcess?: boolean;
}

/** Runs the `agent-gateway` CLI and resolves its exit code. */
export async function main(argv: readonly string[], invocation: CliInvocation = {}): Promise<number> {
  // Over the HTTP API of a running gateway, with options of its own.
  // Each command's module is loaded when that command runs, not before: the process that only
  // re-executes `serve` (serveInReexecutedProcess) then holds none of the gateway's code.
  if (argv[0] === 'schedules')
    return (await import('./schedules-command.js')).runSchedulesCommand(argv.slice(1));
  if (argv[0] === 'webhooks')
    return (await import('./webhooks-command.js')).runWebhooksCommand(argv.slice(1));
  if (argv[0] === 'budgets' || argv[0] === 'usage')
    return (await import('./budgets-command.js')).runBudgetsCommand(argv[0], argv.slice(1));
  // Applies the database's migrations and exits (a migration job).
  if (argv[0] === 'migrate') return (await import('./migrate-command.js')).runMigrateCommand(argv.slice(1));
  // Writes the files that build and run this project's agent (image, compose, Kubernetes).
  if (argv[0] === 'deploy') return (await import('./deploy-command.js')).runDeployCommand(argv.slice(1));
  try {
    const parsed = parseCliArgs(argv);
    switch (parsed.command) {
      case 'help':
        if (parsed.exitCode === 2) {
          console.error(usageOf(parsed.topic));
          return 2;
        }
        console.log(usageOf(parsed.topic));
        return 0;
      case 'version':
        console.log(packageVersion());
        return 0;
      case 'serve':
        if (
          invocation.ownsProcess === true &&
          !parsed.watch &&
          needsReexecution(process.execArgv, process.env)
        ) {
          return await serveInReexecutedProcess();
        }
        return await (await import('./serve-command.js')).runServeCommand(parsed);
      case 'run':
        return await (await import('./run-command.js')).runRunCommand(parsed);
      case 'init':
        return await (await import('./init-command.js')).runInitCommand(parsed);
    }
  } catch (error) {
    if (error instanceof CliUsageError) {
      const topic = topicOf(argv);
      console.error(
        error.showUsage
          ? `agent-gateway: ${error.message}\n\n${usageOf(topic)}`
          : `agent-gateway: ${error.message}\nRun 'agent-gateway ${topic === undefined ? '' : `${topic} `}--help' for every option.`,
      );
      return 2;
    }
    console.error(`agent-gateway: ${error instanceof Error ? error.message : String(error)}`);
    if (argv.includes('--verbose')) console.error(stackOf(error));
    return 1;
  }
}

const isEntryPoint = (): boolean => {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
};
const invokedDirectly = isEntryPoint();
if (invokedDirectly) {
  main(process.argv.slice(2), { ownsProcess: true }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
