/** A parsed command line of `agent-gateway`. */
export type CliCommand =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'serve'; file: string; port: number; host: string; watch: boolean }
  | { command: 'run'; file: string; message: string; stateDir?: string; timeoutSeconds?: number };

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
  agent-gateway run <agent-file> "<message>" [--state-dir DIR] [--timeout SECONDS]
      Run the agent a createAgent module defines once, headless (for cron); prints the
      response and exits with the run's exit code (0 ok, 1 error, 2 budget, 3 max turns,
      124 timeout).
  agent-gateway --help | --version`;

/** A port number, or undefined for anything else ("" and "8e3" included: Number() accepts them). */
const toPort = (value: string | undefined): number | undefined => {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port <= 65_535 ? port : undefined;
};

const parsePort = (value: string | undefined): number => {
  const port = toPort(value);
  if (port === undefined) {
    throw new CliUsageError(`--port expects an integer between 0 and 65535, got ${value || 'nothing'}`);
  }
  return port;
};

/** The default port: `PORT` when set (blank counts as unset), else 8000. */
const portFromEnvironment = (): number => {
  const value = process.env.PORT?.trim();
  if (value === undefined || value === '') return 8000;
  const port = toPort(value);
  if (port === undefined)
    throw new CliUsageError(`PORT must be an integer between 0 and 65535, got ${value}`);
  return port;
};

/** Splits `--name=value` at the first "=" only, so values may contain "=". */
const splitFlag = (argument: string): { flag: string; inlineValue: string | undefined } => {
  const equals = argument.startsWith('--') ? argument.indexOf('=') : -1;
  return equals === -1
    ? { flag: argument, inlineValue: undefined }
    : { flag: argument.slice(0, equals), inlineValue: argument.slice(equals + 1) };
};

const parseServe = (rest: readonly string[]): CliCommand => {
  let file: string | undefined;
  let port: number | undefined;
  let host = '127.0.0.1';
  let watch = false;
  for (let index = 0; index < rest.length; index += 1) {
    const argument = rest[index] ?? '';
    const { flag, inlineValue } = splitFlag(argument);
    const takeValue = (): string | undefined => inlineValue ?? rest[++index];
    if (flag === '--port' || flag === '-p') port = parsePort(takeValue());
    else if (flag === '--host') {
      const value = takeValue();
      if (value === undefined || value === '') throw new CliUsageError('--host expects a value');
      host = value;
    } else if (flag === '--watch') watch = true;
    else if (flag === '--help' || flag === '-h') return { command: 'help' };
    else if (flag.startsWith('-')) throw new CliUsageError(`Unknown option: ${flag}`);
    else if (file === undefined) file = argument;
    else throw new CliUsageError(`Unexpected argument: ${argument}`);
  }
  if (file === undefined) throw new CliUsageError('serve needs the path of an agent module');
  return { command: 'serve', file, port: port ?? portFromEnvironment(), host, watch };
};

const parseTimeout = (value: string | undefined): number => {
  const seconds = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new CliUsageError(`--timeout expects a positive number of seconds, got ${value || 'nothing'}`);
  }
  return seconds;
};

const parseRun = (rest: readonly string[]): CliCommand => {
  const positional: string[] = [];
  let stateDir: string | undefined;
  let timeoutSeconds: number | undefined;
  for (let index = 0; index < rest.length; index += 1) {
    const argument = rest[index] ?? '';
    const { flag, inlineValue } = splitFlag(argument);
    const takeValue = (): string | undefined => inlineValue ?? rest[++index];
    if (flag === '--state-dir') {
      const value = takeValue();
      if (value === undefined || value === '') throw new CliUsageError('--state-dir expects a directory');
      stateDir = value;
    } else if (flag === '--timeout') timeoutSeconds = parseTimeout(takeValue());
    else if (flag === '--help' || flag === '-h') return { command: 'help' };
    else if (flag === '--') {
      positional.push(...rest.slice(index + 1));
      break;
    } else if (flag.startsWith('-') && positional.length < 2)
      throw new CliUsageError(`Unknown option: ${flag}`);
    else positional.push(argument);
  }
  const [file, message, ...extra] = positional;
  if (file === undefined) throw new CliUsageError('run needs the path of an agent module');
  if (message === undefined || message.trim() === '') throw new CliUsageError('run needs a message');
  if (extra.length > 0) throw new CliUsageError(`Unexpected argument: ${extra[0] ?? ''} (quote the message)`);
  return {
    command: 'run',
    file,
    message,
    ...(stateDir === undefined ? {} : { stateDir }),
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
  };
};

/** Parses `argv` (without the node and script entries). Throws `CliUsageError` on bad input. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { command: 'help' };
  }
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'serve') return parseServe(rest);
  if (command === 'run') return parseRun(rest);
  throw new CliUsageError(`Unknown command: ${command}`);
}
