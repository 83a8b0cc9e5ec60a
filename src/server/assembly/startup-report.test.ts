import { describe, expect, it } from 'vitest';
import type { Logger } from '../../core/logger.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import type { CodeExecutionStatus } from '../../tools/code-execution/create-code-execution.js';
import { reportStartup } from './startup-report.js';

/** A logger that keeps every line as `level message details`. */
function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: string, details?: Record<string, unknown>): void => {
      lines.push(`${level} ${message} ${JSON.stringify(details ?? {})}`);
    };
  return {
    lines,
    logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  };
}

/** The start-up lines for a code-execution probe on which only the subprocess backend works. */
function reportFor(subprocessSessions: CodeExecutionStatus['subprocessSessions']): string[] {
  const { logger, lines } = recordingLogger();
  const unavailable = { available: false, reason: 'not installed' };
  reportStartup(logger, {
    provider: createScriptedProvider(),
    model: 'scripted-model',
    allowedModels: new Set(['scripted-model']),
    server: {},
    maxTurns: undefined,
    maxBudgetUsd: undefined,
    timeouts: {},
    codeExecution: {
      backends: { docker: unavailable, bwrap: unavailable, subprocess: { available: true } },
      auto: 'subprocess',
      ...(subprocessSessions === undefined ? {} : { subprocessSessions }),
    },
    mcp: undefined,
  });
  return lines;
}

describe('the start-up report on the unsandboxed subprocess backend', () => {
  it('says when each session runs as a user of its own', () => {
    const lines = reportFor('user-per-session');
    expect(lines.filter((line) => line.startsWith('warn'))).toEqual([]);
    expect(lines.join('\n')).toContain('each session runs as a user of its own (sessionUidRange)');
  });

  it('warns that it serves one session at a time, and names the option that shares it', () => {
    const lines = reportFor('one-at-a-time');
    const warning = lines.find((line) => line.startsWith('warn code execution'));
    expect(warning).toContain('one session at a time');
    expect(warning).toContain('codeExecution.allowSharedSubprocessSandbox: true');
  });

  it("warns that shared sessions can read each other's work dirs", () => {
    const warning = reportFor('shared').find((line) => line.startsWith('warn code execution'));
    expect(warning).toContain("can read and change the other sessions' work dirs");
  });
});

describe('the start-up report of tools', () => {
  /** The `agent ready` line for an agent with `facts`' tools and MCP servers. */
  const readyLineFor = (
    facts: Pick<Parameters<typeof reportStartup>[1], 'mcp' | 'tools' | 'mcpTools'>,
  ): string => {
    const { logger, lines } = recordingLogger();
    reportStartup(logger, {
      provider: createScriptedProvider(),
      model: 'scripted-model',
      allowedModels: new Set(['scripted-model']),
      server: {},
      maxTurns: undefined,
      maxBudgetUsd: undefined,
      timeouts: {},
      codeExecution: undefined,
      ...facts,
    });
    return lines.find((line) => line.startsWith('info agent ready')) ?? '';
  };

  it("lists the agent's own tools and each MCP server's tools by name", () => {
    const ready = readyLineFor({
      mcp: {
        files: { state: 'connected', pid: 1, toolCount: 2, restarts: 0, lastError: null },
        broken: { state: 'failed', pid: null, toolCount: 0, restarts: 0, lastError: 'exited with code 3' },
      },
      tools: ['lookup_order', 'ask_user'],
      mcpTools: { files: ['read_file', 'write_file'] },
    });
    expect(ready).toContain('"tools":"lookup_order, ask_user"');
    expect(ready).toContain('"files":"2 tools: read_file, write_file"');
    expect(ready).toContain('"broken":"failed: exited with code 3"');
  });

  it('counts the names past thirty instead of listing them', () => {
    const ready = readyLineFor({
      mcp: undefined,
      tools: Array.from({ length: 35 }, (_, index) => `tool_${index}`),
    });
    expect(ready).toContain('tool_29 and 5 more');
  });
});

describe('the start-up report of the fallback chain', () => {
  it('names each fallback model with its provider, its reasons, and those skipped without a credential', () => {
    const { logger, lines } = recordingLogger();
    reportStartup(logger, {
      provider: createScriptedProvider(),
      model: 'scripted-model',
      allowedModels: new Set(['scripted-model']),
      fallback: [
        { model: 'scripted-small' },
        { provider: createScriptedProvider({ hasCredential: false }), model: 'other-model' },
        { model: 'scripted-tiny', when: ['overloaded', 'timeout'] },
      ],
      server: {},
      maxTurns: undefined,
      maxBudgetUsd: undefined,
      timeouts: {},
      codeExecution: undefined,
      mcp: undefined,
    });
    const ready = lines.find((line) => line.startsWith('info agent ready')) ?? '';
    expect(ready).toContain(
      '"fallback":["scripted/scripted-small","scripted/other-model (no credential: skipped)",' +
        '"scripted/scripted-tiny (on overloaded, timeout)"]',
    );
  });

  it('leaves the field out when there is no fallback', () => {
    const { logger, lines } = recordingLogger();
    reportStartup(logger, {
      provider: createScriptedProvider(),
      model: 'scripted-model',
      allowedModels: new Set(['scripted-model']),
      server: {},
      maxTurns: undefined,
      maxBudgetUsd: undefined,
      timeouts: {},
      codeExecution: undefined,
      mcp: undefined,
    });
    expect(lines.join('\n')).not.toContain('"fallback"');
  });
});
