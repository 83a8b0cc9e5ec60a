import { ToolError } from '../../core/tool.js';
import { MIN_TIMEOUT_MS, type CodeExecutionHost } from './code-execution-config.js';

/** A validated `code_execute` input. */
export interface CodeExecuteInput {
  code: string;
  timeoutMs: number;
  background: boolean;
  host: CodeExecutionHost;
}

const invalid = (message: string): never => {
  throw new ToolError('invalid_input', message);
};

const describeValue = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Validates `host` alone (the approval qualifier needs it before the full input is checked). */
export function parseHost(value: unknown, hosts: readonly CodeExecutionHost[]): CodeExecutionHost {
  if (value === undefined || value === null) return 'auto';
  const host = hosts.find((candidate) => candidate === value);
  return host ?? invalid(`Unknown host: '${describeValue(value)}'`);
}

/**
 * Validates a `code_execute` input with stable messages: `Unknown host: 'X'`,
 * `code is required`, `timeout_ms must be an integer`, and a range error for a foreground
 * timeout outside [1000, max]. A background run's timeout is clamped into that range
 * instead. Failures are `ToolError('invalid_input')`.
 */
export function parseCodeExecuteInput(
  input: Record<string, unknown>,
  limits: { hosts: readonly CodeExecutionHost[]; defaultTimeoutMs: number; maxTimeoutMs: number },
): CodeExecuteInput {
  const host = parseHost(input.host, limits.hosts);
  const { code } = input;
  if (typeof code !== 'string' || code.trim() === '') return invalid('code is required');
  const background = input.background ?? false;
  if (typeof background !== 'boolean') return invalid('background must be a boolean');
  const requested = input.timeout_ms ?? limits.defaultTimeoutMs;
  if (typeof requested !== 'number' || !Number.isInteger(requested)) {
    return invalid('timeout_ms must be an integer');
  }
  let timeoutMs = requested;
  if (background) {
    timeoutMs = Math.min(limits.maxTimeoutMs, Math.max(MIN_TIMEOUT_MS, requested));
  } else if (requested < MIN_TIMEOUT_MS || requested > limits.maxTimeoutMs) {
    invalid(`timeout_ms must be between ${MIN_TIMEOUT_MS} and ${limits.maxTimeoutMs}`);
  }
  return { code, timeoutMs, background, host };
}
