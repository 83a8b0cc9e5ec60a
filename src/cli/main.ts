import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI_USAGE, CliUsageError, parseCliArgs } from './parse-cli-args.js';
import { runRunCommand } from './run-command.js';
import { runServeCommand } from './serve-command.js';

const packageVersion = (): string => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
};

/** Runs the `agent-gateway` CLI and resolves its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const parsed = parseCliArgs(argv);
    switch (parsed.command) {
      case 'help':
        console.log(CLI_USAGE);
        return 0;
      case 'version':
        console.log(packageVersion());
        return 0;
      case 'serve':
        return await runServeCommand(parsed);
      case 'run':
        return await runRunCommand(parsed);
    }
  } catch (error) {
    if (error instanceof CliUsageError) {
      console.error(`agent-gateway: ${error.message}\n\n${CLI_USAGE}`);
      return 2;
    }
    console.error(`agent-gateway: ${error instanceof Error ? error.message : String(error)}`);
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
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
