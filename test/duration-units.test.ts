import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/core/logger.js';
import { tool } from '../src/tools/define-tool.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

interface LogLine {
  level: string;
  message: string;
  details: Record<string, unknown>;
}

function createRecordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record =
    (level: string) =>
    (message: string, details: Record<string, unknown> = {}): void =>
      void lines.push({ level, message, details });
  return {
    lines,
    logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  };
}

const refund = tool({
  name: 'refund_order',
  description: 'Refunds an order.',
  inputSchema: { type: 'object', properties: {} },
  execute: () => 'refunded',
});

describe('durations typed in seconds into millisecond options', () => {
  it('are named at start-up, the ready line lists the effective time limits, and the approval timeout names its option', async () => {
    const recording = createRecordingLogger();
    const { gateway, upstream } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('refund_order', {}), textTurn('No answer came.')],
      agent: {
        logger: recording.logger,
        tools: [refund],
        needsApproval: (name) => name === 'refund_order',
        turnTimeoutMs: 300_000,
        server: { sessionTtlMs: 3600, approvalTimeoutMs: 120 },
      },
    });
    const warnings = recording.lines.filter((line) => line.level === 'warn').map((line) => line.message);
    expect(warnings).toEqual([
      'server.sessionTtlMs is 3600 ms (3.6 s): durations are in milliseconds; for 3600 seconds write 3600000',
      'server.approvalTimeoutMs is 120 ms (0.12 s): durations are in milliseconds; for 120 seconds write 120000',
    ]);
    const ready = recording.lines.find((line) => line.message === 'agent ready');
    expect(ready?.details['limits']).toMatchObject({
      sessionTtlMs: 3600,
      approvalTimeoutMs: 120,
      clientToolTimeoutMs: 120_000,
      turnTimeoutMs: 300_000,
      toolCallTimeoutMs: 120_000,
    });

    const session = await gateway.openSession();
    const response = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'Refund it.' }],
    });
    const events = eventsOf(await readAllSseFrames(response));
    const complete = events.find((event) => event.type === 'tool_call_complete');
    expect(JSON.stringify(complete)).toContain(
      'User did not respond within 120 ms (server.approvalTimeoutMs)',
    );
    // The model read the same sentence, with the stable code.
    const toolResult = JSON.stringify(upstream.requests[1]?.body);
    expect(toolResult).toContain('approval_timeout');
    expect(toolResult).toContain('User did not respond within 120 ms (server.approvalTimeoutMs)');
  });
});
