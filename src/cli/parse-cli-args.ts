/** A parsed command line of `agent-gateway`. */
export type CliCommand =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'serve'; file: string; port: number; host: string; watch: boolean };

/** A command line the CLI cannot accept; its message is shown to the user with the usage. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** Usage text printed by `--help` and after a usage error. */
export const CLI_USAGE = `Usage:
  agent-gateway serve <agent-file> [--port 8000] [--host 127.0.0.1] [--watch]
      Load a .ts or .js module whose default export (or \`app\` export) is a gateway app
      (createAgent / createGatewayApp) and serve it over HTTP.
  agent-gateway --help | --version`;

const parsePort = (value: string | undefined): number => {
  const port = Number(value);
  if (value === undefined || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliUsageError(`--port expects an integer between 0 and 65535, got ${value ?? 'nothing'}`);
  }
  return port;
};

/** Parses `argv` (without the node and script entries). Throws `CliUsageError` on bad input. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { command: 'help' };
  }
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command !== 'serve') throw new CliUsageError(`Unknown command: ${command}`);

  let file: string | undefined;
  let port = Number(process.env.PORT ?? 8000);
  let host = '127.0.0.1';
  let watch = false;
  for (let index = 0; index < rest.length; index += 1) {
    const argument = rest[index] ?? '';
    const [flag, inlineValue] = argument.startsWith('--') ? argument.split('=', 2) : [argument, undefined];
    const takeValue = (): string | undefined => inlineValue ?? rest[++index];
    if (flag === '--port' || flag === '-p') port = parsePort(takeValue());
    else if (flag === '--host') {
      const value = takeValue();
      if (value === undefined || value === '') throw new CliUsageError('--host expects a value');
      host = value;
    } else if (flag === '--watch') watch = true;
    else if (flag?.startsWith('-')) throw new CliUsageError(`Unknown option: ${flag}`);
    else if (file === undefined) file = argument;
    else throw new CliUsageError(`Unexpected argument: ${argument}`);
  }
  if (file === undefined) throw new CliUsageError('serve needs the path of an agent module');
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CliUsageError('PORT must be a valid port');
  return { command: 'serve', file, port, host, watch };
}
