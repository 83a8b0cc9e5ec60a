import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../core/closest-name.js';
import { THREAD_ID_PATTERN } from '../core/thread-limits.js';
import type { CliCommand, CliLogLevel } from './cli-command.js';

export type { CliCommand, CliLogLevel, CliTopic } from './cli-command.js';

/** A command line the CLI cannot accept; its message is shown to the user with the usage. */
export class CliUsageError extends Error {
  /**
   * Whether the command's help text follows the message (default true). A mistyped option gets
   * its correction and a pointer to `--help` instead: the whole help would bury the one line
   * that matters.
   */
  readonly showUsage: boolean;

  constructor(message: string, options: { showUsage?: boolean } = {}) {
    super(message);
    this.name = 'CliUsageError';
    this.showUsage = options.showUsage ?? true;
  }
}

export { CLI_USAGE } from './cli-usage.js';

/** `--log-level` values. */
const LOG_LEVELS: readonly CliLogLevel[] = ['debug', 'info', 'warn', 'error'];

const parseLogLevel = (value: string | boolean | undefined): CliLogLevel | undefined => {
  if (value === undefined) return undefined;
  const level = LOG_LEVELS.find((candidate) => candidate === value);
  if (level === undefined) {
    throw new CliUsageError(
      `--log-level expects debug, info, warn or error, got ${String(value) || 'nothing'}`,
    );
  }
  return level;
};

const parseLogFormat = (value: string | boolean | undefined): 'json' | 'pretty' | undefined => {
  if (value === undefined) return undefined;
  if (value === 'json' || value === 'pretty') return value;
  throw new CliUsageError(`--log-format expects json or pretty, got ${String(value) || 'nothing'}`);
};

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

/**
 * Runs `util.parseArgs` (strict, positionals allowed, `--name=value` and `--` understood) and
 * turns its errors into usage errors the CLI shows with the usage text.
 */
function parseFlags<Options extends ParseArgsConfig['options']>(
  args: readonly string[],
  options: Options,
  missingValue: Record<string, string>,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    return {
      values: parsed.values,
      positionals: parsed.positionals,
    };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const text = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(text)?.[1] ?? text;
      const known = Object.keys(options ?? {}).map((name) => `--${name}`);
      const suggestion = option.startsWith('--') ? closestName(option, known) : undefined;
      throw new CliUsageError(
        `Unknown option: ${option}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`,
        { showUsage: false },
      );
    }
    const option = /--([a-z-]+) <value>' argument missing/.exec(text)?.[1];
    const message = option === undefined ? undefined : missingValue[option];
    throw new CliUsageError(message ?? text.split('\n')[0] ?? text);
  }
}

/** `{ [name]: value }`, or `{}` when the value is undefined (for optional properties). */
const optional = <Name extends string, Value>(
  name: Name,
  value: Value | undefined,
): { [Key in Name]?: Value } => (value === undefined ? {} : ({ [name]: value } as { [Key in Name]?: Value }));

const stringFlag = (value: string | boolean | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;

const parseServe = (rest: readonly string[]): CliCommand => {
  const { values, positionals } = parseFlags(
    rest,
    {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      watch: { type: 'boolean' },
      playground: { type: 'boolean' },
      'no-playground': { type: 'boolean' },
      inbox: { type: 'boolean' },
      'no-inbox': { type: 'boolean' },
      metrics: { type: 'boolean' },
      a2a: { type: 'boolean' },
      mcp: { type: 'boolean' },
      demo: { type: 'boolean' },
      'no-database': { type: 'boolean' },
      'no-migrate': { type: 'boolean' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    {
      port: '--port expects an integer between 0 and 65535, got nothing',
      host: '--host expects a value',
      'log-level': '--log-level expects debug, info, warn or error, got nothing',
      'log-format': '--log-format expects json or pretty, got nothing',
    },
  );
  if (values.help === true) return { command: 'help', topic: 'serve' };
  const [file, ...extra] = positionals;
  const host = stringFlag(values.host) ?? '127.0.0.1';
  if (values.host !== undefined && host === '') throw new CliUsageError('--host expects a value');
  if (file === undefined) throw new CliUsageError('serve needs the path of an agent module');
  if (extra.length > 0) throw new CliUsageError(`Unexpected argument: ${extra[0] ?? ''}`);
  const port = values.port === undefined ? portFromEnvironment() : parsePort(stringFlag(values.port));
  if (values.playground === true && values['no-playground'] === true) {
    throw new CliUsageError('--playground and --no-playground contradict each other');
  }
  const playground = values.playground === true ? true : values['no-playground'] === true ? false : undefined;
  if (values.inbox === true && values['no-inbox'] === true) {
    throw new CliUsageError('--inbox and --no-inbox contradict each other');
  }
  const inbox = values.inbox === true ? true : values['no-inbox'] === true ? false : undefined;
  return {
    command: 'serve',
    file,
    port,
    host,
    watch: values.watch === true,
    ...(playground === undefined ? {} : { playground }),
    ...(inbox === undefined ? {} : { inbox }),
    ...(values.metrics === true ? { metrics: true } : {}),
    ...(values.a2a === true ? { a2a: true } : {}),
    ...(values.mcp === true ? { mcp: true } : {}),
    ...(values.demo === true ? { demo: true } : {}),
    ...(values['no-database'] === true ? { noDatabase: true } : {}),
    ...(values['no-migrate'] === true ? { noMigrate: true } : {}),
    ...optional('logLevel', parseLogLevel(values['log-level'])),
    ...optional('logFormat', parseLogFormat(values['log-format'])),
    ...(values.verbose === true ? { verbose: true } : {}),
  };
};

const parseTimeout = (value: string | undefined): number => {
  const seconds = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new CliUsageError(`--timeout expects a positive number of seconds, got ${value || 'nothing'}`);
  }
  return seconds;
};

const parseRun = (rest: readonly string[]): CliCommand => {
  const { values, positionals } = parseFlags(
    rest,
    {
      'state-dir': { type: 'string' },
      timeout: { type: 'string' },
      thread: { type: 'string' },
      json: { type: 'boolean' },
      'log-level': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    {
      'state-dir': '--state-dir expects a directory',
      timeout: '--timeout expects a positive number of seconds, got nothing',
      thread: '--thread expects a thread name',
      'log-level': '--log-level expects debug, info, warn or error, got nothing',
    },
  );
  if (values.help === true) return { command: 'help', topic: 'run' };
  const stateDir = stringFlag(values['state-dir']);
  if (values['state-dir'] !== undefined && (stateDir === undefined || stateDir === '')) {
    throw new CliUsageError('--state-dir expects a directory');
  }
  const timeoutSeconds = values.timeout === undefined ? undefined : parseTimeout(stringFlag(values.timeout));
  const thread = stringFlag(values.thread);
  if (values.thread !== undefined && (thread === undefined || !THREAD_ID_PATTERN.test(thread))) {
    throw new CliUsageError(
      `--thread expects a thread name of 1 to 128 letters, digits, _, -, . or :, got ${thread || 'nothing'}`,
    );
  }
  const [file, message, ...extra] = positionals;
  if (file === undefined) throw new CliUsageError('run needs the path of an agent module');
  if (message === undefined || message.trim() === '') throw new CliUsageError('run needs a message');
  if (extra.length > 0) throw new CliUsageError(`Unexpected argument: ${extra[0] ?? ''} (quote the message)`);
  return {
    command: 'run',
    file,
    message,
    ...(stateDir === undefined ? {} : { stateDir }),
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...optional('thread', thread),
    ...(values.json === true ? { json: true } : {}),
    ...optional('logLevel', parseLogLevel(values['log-level'])),
    ...(values.verbose === true ? { verbose: true } : {}),
  };
};

const parseInit = (rest: readonly string[]): CliCommand => {
  const { values, positionals } = parseFlags(rest, { help: { type: 'boolean', short: 'h' } }, {});
  if (values.help === true) return { command: 'help', topic: 'init' };
  const [template, directory, ...extra] = positionals;
  if (extra.length > 0) throw new CliUsageError(`Unexpected argument: ${extra[0] ?? ''}`);
  return { command: 'init', ...optional('template', template), ...optional('directory', directory) };
};

/** Parses `argv` (without the node and script entries). Throws `CliUsageError` on bad input. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined) return { command: 'help', exitCode: 2 };
  if (command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'help') {
    const [topic] = rest;
    return topic === 'serve' || topic === 'run' || topic === 'init'
      ? { command: 'help', topic }
      : { command: 'help' };
  }
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'serve') return parseServe(rest);
  if (command === 'run') return parseRun(rest);
  if (command === 'init') return parseInit(rest);
  throw new CliUsageError(`Unknown command: ${command}`);
}
