import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/logger.js';
import { createCircuitBreaker } from './create-circuit-breaker.js';

/** A logger that keeps each line as `level message details`. */
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

/** A breaker on a clock the test moves. */
function breakerOnClock(extra: { failureThreshold?: number } = {}) {
  let time = 1_000_000;
  const { logger, lines } = recordingLogger();
  const breaker = createCircuitBreaker({ coolDownMs: 30_000, now: () => time, logger, ...extra });
  return { breaker, lines, advance: (ms: number) => (time += ms) };
}

describe('createCircuitBreaker', () => {
  it('shows the failures that opened a circuit while it is open, and none once it closed', () => {
    const { breaker, advance } = breakerOnClock({ failureThreshold: 3 });
    breaker.recordFailure('anthropic', 'claude-sonnet-4-6');
    breaker.recordFailure('anthropic', 'claude-sonnet-4-6');
    expect(breaker.snapshot()).toEqual([
      { provider: 'anthropic', model: 'claude-sonnet-4-6', state: 'closed', failures: 2 },
    ]);
    breaker.recordFailure('anthropic', 'claude-sonnet-4-6');
    expect(breaker.snapshot()).toEqual([
      { provider: 'anthropic', model: 'claude-sonnet-4-6', state: 'open', failures: 3, retryInMs: 30_000 },
    ]);
    advance(30_000);
    expect(breaker.snapshot()).toEqual([
      { provider: 'anthropic', model: 'claude-sonnet-4-6', state: 'closed', failures: 0 },
    ]);
  });

  it('logs once when a circuit opens and once when it closes', () => {
    const { breaker, lines, advance } = breakerOnClock({ failureThreshold: 2 });
    breaker.recordFailure('openai', 'gpt-4o');
    expect(lines).toEqual([]);
    breaker.recordFailure('openai', 'gpt-4o');
    expect(breaker.isOpen('openai', 'gpt-4o')).toBe(true);
    expect(breaker.isOpen('openai', 'gpt-4o')).toBe(true);
    advance(30_000);
    expect(breaker.isOpen('openai', 'gpt-4o')).toBe(false);
    expect(breaker.isOpen('openai', 'gpt-4o')).toBe(false);
    expect(lines).toEqual([
      'warn circuit opened; the model is skipped {"provider":"openai","model":"gpt-4o","failures":2,"windowMs":60000,"coolDownMs":30000}',
      'info circuit closed; the model is tried again {"provider":"openai","model":"gpt-4o"}',
    ]);
  });

  it('logs a circuit another instance opened, with the threshold as its failures', () => {
    const { breaker, lines } = breakerOnClock();
    const message = { provider: 'openai', model: 'gpt-4o', remainingMs: 10_000, origin: 'other-instance' };
    breaker.openFromElsewhere(message);
    breaker.openFromElsewhere(message);
    expect(breaker.snapshot()).toEqual([
      { provider: 'openai', model: 'gpt-4o', state: 'open', failures: 5, retryInMs: 10_000 },
    ]);
    expect(lines).toEqual([
      'info circuit opened elsewhere; the model is skipped {"provider":"openai","model":"gpt-4o","coolDownMs":10000}',
    ]);
  });
});
