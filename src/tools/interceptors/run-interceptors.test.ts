import { describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../core/events.js';
import type { InterceptContext, ToolInterceptor } from '../../core/interceptor.js';
import type { Logger } from '../../core/logger.js';
import { runInterceptors } from './run-interceptors.js';

const context: InterceptContext = {
  toolCallId: 'call_1',
  toolName: 'delete_file',
  toolInput: { path: '/tmp/x' },
  sessionId: 'session_1',
};

function harness(interceptors: ToolInterceptor[]) {
  const events: GatewayEvent[] = [];
  const logged: string[] = [];
  const logger: Pick<Logger, 'warn'> = { warn: (message) => logged.push(message) };
  const run = () =>
    runInterceptors({
      interceptors,
      context,
      signal: new AbortController().signal,
      emit: (event) => events.push(event),
      logger,
    });
  return { events, logged, run };
}

describe('runInterceptors', () => {
  it('allows the call silently when every interceptor allows', async () => {
    const { events, run } = harness([{ intercept: () => ({ action: 'allow' }) }]);
    expect(await run()).toEqual({ blocked: false, warnings: [] });
    expect(events).toEqual([]);
  });

  it('passes the call context and signal to each interceptor', async () => {
    const seen: InterceptContext[] = [];
    const signals: AbortSignal[] = [];
    const { run } = harness([
      {
        intercept(received, signal) {
          seen.push(received);
          signals.push(signal);
          return { action: 'allow' };
        },
      },
    ]);
    await run();
    expect(seen).toEqual([context]);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
  });

  it('collects warnings, announces each one, and keeps going', async () => {
    const { events, run } = harness([
      { intercept: () => ({ action: 'warn', message: 'touches the file system', code: 'fs' }) },
      { intercept: () => ({ action: 'warn' }) },
    ]);
    expect(await run()).toEqual({
      blocked: false,
      warnings: ['touches the file system', "Tool 'delete_file' triggered a runtime policy warning"],
    });
    expect(events).toEqual([
      {
        type: 'interceptor_decision',
        tool_call_id: 'call_1',
        tool_name: 'delete_file',
        action: 'warn',
        code: 'fs',
        message: 'touches the file system',
      },
      {
        type: 'interceptor_decision',
        tool_call_id: 'call_1',
        tool_name: 'delete_file',
        action: 'warn',
        code: 'interceptor',
        message: "Tool 'delete_file' triggered a runtime policy warning",
      },
    ]);
  });

  it('blocks on deny with the default code and message and stops asking later interceptors', async () => {
    let laterAsked = false;
    const { events, run } = harness([
      { intercept: () => ({ action: 'deny' }) },
      {
        intercept() {
          laterAsked = true;
          return { action: 'allow' };
        },
      },
    ]);
    expect(await run()).toEqual({
      blocked: true,
      error: { code: 'interceptor', message: "Tool 'delete_file' was blocked by a runtime policy" },
    });
    expect(events).toEqual([
      {
        type: 'interceptor_decision',
        tool_call_id: 'call_1',
        tool_name: 'delete_file',
        action: 'deny',
        code: 'interceptor',
        message: "Tool 'delete_file' was blocked by a runtime policy",
      },
    ]);
    expect(laterAsked).toBe(false);
  });

  it('uses the code and message of a deny when given, after earlier warnings', async () => {
    const { events, run } = harness([
      { intercept: () => Promise.resolve({ action: 'warn' as const, message: 'careful' }) },
      { intercept: () => Promise.resolve({ action: 'deny' as const, code: 'pii', message: 'Contains PII' }) },
    ]);
    expect(await run()).toEqual({ blocked: true, error: { code: 'pii', message: 'Contains PII' } });
    expect(events.map((event) => event.type === 'interceptor_decision' && event.action)).toEqual([
      'warn',
      'deny',
    ]);
  });

  it('skips a throwing interceptor that is not critical and logs it', async () => {
    const { events, logged, run } = harness([
      {
        name: 'flaky',
        intercept() {
          throw new Error('policy service down');
        },
      },
      { intercept: () => ({ action: 'warn', message: 'still checked' }) },
    ]);
    expect(await run()).toEqual({ blocked: false, warnings: ['still checked'] });
    expect(logged).toEqual(['Interceptor flaky failed; skipping it']);
    expect(events).toHaveLength(1);
  });

  it('treats a malformed decision like a failure', async () => {
    const malformed = { intercept: () => ({ action: 'maybe' }) } as unknown as ToolInterceptor;
    const { logged, run } = harness([malformed]);
    expect(await run()).toEqual({ blocked: false, warnings: [] });
    expect(logged).toHaveLength(1);
  });

  it('fails closed when a critical interceptor throws', async () => {
    const { events, run } = harness([
      {
        critical: true,
        intercept: () => Promise.reject(new Error('classifier crashed')),
      },
    ]);
    const message = "Safety check failed due to an internal error. Tool 'delete_file' was blocked.";
    expect(await run()).toEqual({ blocked: true, error: { code: 'interceptor_error', message } });
    expect(events).toEqual([
      {
        type: 'interceptor_decision',
        tool_call_id: 'call_1',
        tool_name: 'delete_file',
        action: 'deny',
        code: 'interceptor_error',
        message,
      },
    ]);
  });
});
