import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliUsageError, parseCliArgs } from './parse-cli-args.js';

const usageError = (argv: string[]): CliUsageError => {
  try {
    parseCliArgs(argv);
  } catch (error) {
    if (error instanceof CliUsageError) return error;
    throw error;
  }
  throw new Error(`parseCliArgs(${JSON.stringify(argv)}) did not throw`);
};

describe('parseCliArgs', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([[['--help']], [['-h']], [['help']]])('reads %j as a request for help', (argv) => {
    expect(parseCliArgs(argv)).toEqual({ command: 'help' });
  });

  it('reads a command with --help as a request for its own help, and no arguments as a usage error', () => {
    expect(parseCliArgs(['serve', 'agent.ts', '--help'])).toEqual({ command: 'help', topic: 'serve' });
    expect(parseCliArgs(['run', '-h'])).toEqual({ command: 'help', topic: 'run' });
    expect(parseCliArgs(['help', 'run'])).toEqual({ command: 'help', topic: 'run' });
    expect(parseCliArgs([])).toEqual({ command: 'help', exitCode: 2 });
  });

  it('reads the log and output flags and refuses bad values', () => {
    expect(
      parseCliArgs(['serve', 'a.ts', '--log-level', 'debug', '--log-format=json', '--verbose']),
    ).toMatchObject({
      logLevel: 'debug',
      logFormat: 'json',
      verbose: true,
    });
    expect(parseCliArgs(['run', 'a.ts', 'hi', '--json', '--log-level=error'])).toMatchObject({
      json: true,
      logLevel: 'error',
    });
    expect(usageError(['serve', 'a.ts', '--log-level', 'loud']).message).toBe(
      '--log-level expects debug, info, warn or error, got loud',
    );
    expect(usageError(['serve', 'a.ts', '--log-format', 'xml']).message).toBe(
      '--log-format expects json or pretty, got xml',
    );
  });

  it.each([[['--version']], [['-v']]])('reads %j as a request for the version', (argv) => {
    expect(parseCliArgs(argv)).toEqual({ command: 'version' });
  });

  it('defaults serve to 127.0.0.1:8000 without watching', () => {
    vi.stubEnv('PORT', undefined);
    expect(parseCliArgs(['serve', 'agent.ts'])).toEqual({
      command: 'serve',
      file: 'agent.ts',
      port: 8000,
      host: '127.0.0.1',
      watch: false,
    });
  });

  it('reads every serve flag, in separate and inline forms', () => {
    expect(parseCliArgs(['serve', '--port', '9000', 'agent.ts', '--host', '0.0.0.0', '--watch'])).toEqual({
      command: 'serve',
      file: 'agent.ts',
      port: 9000,
      host: '0.0.0.0',
      watch: true,
    });
    expect(parseCliArgs(['serve', 'agent.ts', '--port=9', '--host=::1'])).toMatchObject({
      port: 9,
      host: '::1',
    });
    expect(parseCliArgs(['serve', 'agent.ts', '-p', '0'])).toMatchObject({ port: 0 });
  });

  it('reads --demo for serve', () => {
    expect(parseCliArgs(['serve', 'agent.ts', '--demo'])).toMatchObject({ command: 'serve', demo: true });
    expect(parseCliArgs(['serve', 'agent.ts'])).not.toHaveProperty('demo');
  });

  it('reads --no-database for serve, and leaves the database to the defaults without it', () => {
    expect(parseCliArgs(['serve', 'agent.ts', '--no-database'])).toMatchObject({ noDatabase: true });
    expect(parseCliArgs(['serve', 'agent.ts'])).not.toHaveProperty('noDatabase');
  });

  it('reads --no-migrate for serve, and migrates on start without it', () => {
    expect(parseCliArgs(['serve', 'agent.ts', '--no-migrate'])).toMatchObject({ noMigrate: true });
    expect(parseCliArgs(['serve', 'agent.ts'])).not.toHaveProperty('noMigrate');
  });

  it('reads --a2a and --mcp for serve, and leaves both off without them', () => {
    expect(parseCliArgs(['serve', 'agent.ts', '--a2a', '--mcp'])).toMatchObject({ a2a: true, mcp: true });
    expect(parseCliArgs(['serve', 'agent.ts'])).not.toHaveProperty('a2a');
    expect(parseCliArgs(['serve', 'agent.ts'])).not.toHaveProperty('mcp');
  });

  it('reads the playground and metrics flags, and refuses contradicting playground flags', () => {
    expect(parseCliArgs(['serve', 'agent.ts', '--playground', '--metrics'])).toMatchObject({
      playground: true,
      metrics: true,
    });
    expect(parseCliArgs(['serve', 'agent.ts', '--no-playground'])).toMatchObject({ playground: false });
    expect(parseCliArgs(['serve', 'agent.ts'])).not.toHaveProperty('playground');
    expect(usageError(['serve', 'agent.ts', '--playground', '--no-playground']).message).toBe(
      '--playground and --no-playground contradict each other',
    );
  });

  it('reads --inbox and --no-inbox, leaves the default to the agent without them, and refuses both at once', () => {
    expect(parseCliArgs(['serve', 'agent.ts', '--no-inbox'])).toMatchObject({ inbox: false });
    expect(parseCliArgs(['serve', 'agent.ts', '--inbox'])).toMatchObject({ inbox: true });
    expect(parseCliArgs(['serve', 'agent.ts'])).not.toHaveProperty('inbox');
    expect(usageError(['serve', 'agent.ts', '--inbox', '--no-inbox']).message).toBe(
      '--inbox and --no-inbox contradict each other',
    );
  });

  it('takes the default port from PORT, and a flag wins over it', () => {
    vi.stubEnv('PORT', '3000');
    expect(parseCliArgs(['serve', 'agent.ts'])).toMatchObject({ port: 3000 });
    expect(parseCliArgs(['serve', 'agent.ts', '--port', '4000'])).toMatchObject({ port: 4000 });
    vi.stubEnv('PORT', '  ');
    expect(parseCliArgs(['serve', 'agent.ts'])).toMatchObject({ port: 8000 });
  });

  it.each([['abc'], ['65536'], ['-1'], ['8e3'], ['1.5'], ['']])('rejects the port %j', (value) => {
    expect(usageError(['serve', 'agent.ts', `--port=${value}`]).message).toMatch(
      /^--port expects an integer between 0 and 65535, got /,
    );
  });

  it('rejects --port without a value', () => {
    expect(usageError(['serve', 'agent.ts', '--port']).message).toBe(
      '--port expects an integer between 0 and 65535, got nothing',
    );
  });

  it('rejects a malformed PORT only when no --port overrides it', () => {
    vi.stubEnv('PORT', 'http');
    expect(usageError(['serve', 'agent.ts']).message).toBe(
      'PORT must be an integer between 0 and 65535, got http',
    );
    expect(parseCliArgs(['serve', 'agent.ts', '--port', '1234'])).toMatchObject({ port: 1234 });
  });

  it('suggests the closest option for a mistyped one', () => {
    expect(usageError(['serve', 'agent.ts', '--prot', '3000']).message).toBe(
      'Unknown option: --prot (did you mean --port?)',
    );
    expect(usageError(['run', 'agent.ts', 'hi', '--timout', '30']).message).toBe(
      'Unknown option: --timout (did you mean --timeout?)',
    );
  });

  it('rejects unknown options, unknown commands, extra arguments and an empty --host', () => {
    expect(usageError(['serve', 'agent.ts', '--reload']).message).toBe('Unknown option: --reload');
    expect(usageError(['ship', 'agent.ts']).message).toBe('Unknown command: ship');
    expect(usageError(['serve', 'a.ts', 'b.ts']).message).toBe('Unexpected argument: b.ts');
    expect(usageError(['serve', 'agent.ts', '--host=']).message).toBe('--host expects a value');
  });

  it('asks for the agent module when serve has none', () => {
    expect(usageError(['serve', '--port', '8000']).message).toBe('serve needs the path of an agent module');
  });
});

describe('parseCliArgs: run', () => {
  it('parses the module, the message and the options', () => {
    expect(
      parseCliArgs(['run', 'agent.ts', 'Check the queue', '--state-dir', '.state', '--timeout=90']),
    ).toEqual({
      command: 'run',
      file: 'agent.ts',
      message: 'Check the queue',
      stateDir: '.state',
      timeoutSeconds: 90,
    });
  });

  it('accepts a message that starts with a dash after --', () => {
    expect(parseCliArgs(['run', 'agent.ts', '--', '-v is not a flag here'])).toEqual({
      command: 'run',
      file: 'agent.ts',
      message: '-v is not a flag here',
    });
  });

  it('refuses a missing message, an unquoted message and a bad timeout', () => {
    expect(() => parseCliArgs(['run', 'agent.ts'])).toThrow(/run needs a message/);
    expect(() => parseCliArgs(['run', 'agent.ts', 'two', 'words'])).toThrow(/quote the message/);
    expect(() => parseCliArgs(['run', 'agent.ts', 'hi', '--timeout', '0'])).toThrow(/--timeout expects/);
    expect(() => parseCliArgs(['run', 'agent.ts', 'hi', '--state-dir'])).toThrow(/--state-dir expects/);
  });
});
