import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { main } from './main.js';
import { CLI_USAGE, RUN_USAGE, SERVE_USAGE } from './cli-usage.js';

describe('main', () => {
  let printed: string[];
  let errors: string[];

  beforeEach(() => {
    printed = [];
    errors = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints the usage for --help and exits 0', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(printed).toEqual([CLI_USAGE]);
  });

  it('prints the help of one command for <command> --help, with its flags and variables', async () => {
    expect(await main(['serve', '--help'])).toBe(0);
    expect(await main(['run', 'agent.ts', '-h'])).toBe(0);
    expect(await main(['help', 'serve'])).toBe(0);
    expect(printed).toEqual([SERVE_USAGE, RUN_USAGE, SERVE_USAGE]);
    expect(SERVE_USAGE).not.toBe(RUN_USAGE);
    for (const flag of [
      '--port',
      '--host',
      '--watch',
      '--no-playground',
      '--metrics',
      '--log-level',
      '--log-format',
    ]) {
      expect(SERVE_USAGE).toContain(flag);
    }
    for (const variable of [
      'PORT',
      'ANTHROPIC_API_KEY',
      'OPENAI_API_KEY',
      'ANTHROPIC_BASE_URL',
      'REDIS_URL',
      'DATABASE_URL',
    ]) {
      expect(SERVE_USAGE).toContain(variable);
    }
    for (const flag of ['--state-dir', '--timeout', '--json']) expect(RUN_USAGE).toContain(flag);
    expect(SERVE_USAGE).toMatch(/Docs: .*README\.md/);
  });

  it('prints the usage on standard error and exits 2 when given no arguments', async () => {
    expect(await main([])).toBe(2);
    expect(printed).toEqual([]);
    expect(errors).toEqual([CLI_USAGE]);
  });

  it('prints the package version and exits 0', async () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await main(['--version'])).toBe(0);
    expect(printed).toEqual([manifest.version]);
  });

  it('exits 2 with the problem and the usage when serve has no file', async () => {
    expect(await main(['serve'])).toBe(2);
    expect(errors).toEqual([`agent-gateway: serve needs the path of an agent module\n\n${SERVE_USAGE}`]);
  });

  it('exits 2 on an unknown option', async () => {
    expect(await main(['serve', 'agent.ts', '--reload'])).toBe(2);
    expect(errors[0]).toMatch(/^agent-gateway: Unknown option: --reload\n/);
  });

  it('answers a mistyped option with the correction and a pointer to --help, not the whole help', async () => {
    expect(await main(['serve', 'agent.ts', '--prot', '3000'])).toBe(2);
    expect(errors).toEqual([
      "agent-gateway: Unknown option: --prot (did you mean --port?)\nRun 'agent-gateway serve --help' for every option.",
    ]);
  });

  it('exits 1 with a clear message when the agent file does not exist', async () => {
    expect(await main(['serve', 'does-not-exist.ts', '--port', '0'])).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^agent-gateway: Agent module not found: .*does-not-exist\.ts$/);
  });
});
