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
