import { randomBytes } from 'node:crypto';
import * as prom from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../agent/event-log.js';
import type { GatewayEvent } from '../../core/events.js';
import { createGatewayMetrics, type GatewayMetrics } from './create-gateway-metrics.js';

/** The series of a Prometheus text exposition: one per sample line. */
const seriesOf = (body: string): string[] =>
  body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

const hostile = (): string => `${randomBytes(8).toString('hex')}${'x'.repeat(512)}`;

/** Feeds `events` to the metrics as one run that then ends with `terminal`. */
async function observeRun(
  metrics: GatewayMetrics,
  events: GatewayEvent[],
  terminal: GatewayEvent,
): Promise<void> {
  const eventLog = new EventLog();
  let ended: () => void = () => undefined;
  metrics.observeRun({
    eventLog,
    onDone: (callback) => {
      ended = callback;
    },
  });
  for (const event of events) eventLog.append(event);
  eventLog.append(terminal);
  // The run ends: `observeRun` counts it in its end callback.
  ended();
  await Promise.resolve();
}

const toolCall = (tool: string, code: string | null, location?: string): GatewayEvent => ({
  type: 'tool_call_complete',
  tool_call_id: `call_${randomBytes(4).toString('hex')}`,
  tool_name: tool,
  result: null,
  error: code === null ? null : { code, message: 'failed' },
  duration_ms: 3,
  server: null,
  ...(location === undefined ? {} : { execution_location: location }),
});

const hostileRun = (): { events: GatewayEvent[]; terminal: GatewayEvent } => ({
  events: [
    // An invented tool name, a client-side tool's chosen error code, an AG-UI frontend tool.
    toolCall(hostile(), 'unknown_tool'),
    toolCall('get_weather', hostile(), 'client'),
    toolCall(hostile(), hostile(), 'client'),
    { type: 'stream_retry', attempt: 1, error: 'retry', code: hostile() },
  ],
  terminal: { type: 'error', error: 'failed', code: hostile() },
});

describe('createGatewayMetrics labels', () => {
  it('adds no series for 10,000 distinct hostile tool names and error codes', async () => {
    const metrics = createGatewayMetrics(prom, {
      model: 'claude-sonnet-4-6',
      activeRuns: () => 0,
      runFollowers: () => 0,
      isAgentTool: (name) => name === 'get_weather',
    });
    const first = hostileRun();
    await observeRun(metrics, first.events, first.terminal);
    const before = (await metrics.render()).body;

    for (let round = 0; round < 2_500; round += 1) {
      const run = hostileRun();
      await observeRun(metrics, run.events, run.terminal);
    }
    const after = (await metrics.render()).body;

    expect(seriesOf(after)).toHaveLength(seriesOf(before).length);
    expect(after.length).toBeLessThan(before.length + 1_000);
    expect(after.length).toBeLessThan(64 * 1024);
    expect(after).not.toContain('xxxxxxxx');
  });

  it("names the agent's own tools and the gateway's own codes, and every other value other", async () => {
    const metrics = createGatewayMetrics(prom, {
      model: 'claude-sonnet-4-6',
      activeRuns: () => 0,
      runFollowers: () => 0,
      isAgentTool: (name) => name === 'get_weather' || name === 'pick_colour',
    });
    await observeRun(
      metrics,
      [
        toolCall('get_weather', null),
        toolCall('get_weather', 'tool_timeout'),
        toolCall('pick_colour', 'user_denied', 'client'),
        toolCall('pick_colour', 'my_own_code', 'client'),
        toolCall('invented_tool', 'unknown_tool'),
        { type: 'stream_retry', attempt: 1, error: 'retry', code: 'upstream_overloaded' },
        { type: 'stream_retry', attempt: 2, error: 'retry', code: 'made_up' },
      ],
      { type: 'error', error: 'failed', code: 'upstream_auth_failed' },
    );
    const body = (await metrics.render()).body;
    const calls = seriesOf(body).filter((line) => line.startsWith('agent_gateway_tool_calls_total'));
    expect(calls.sort()).toEqual(
      [
        'agent_gateway_tool_calls_total{tool="get_weather",outcome="ok"} 1',
        'agent_gateway_tool_calls_total{tool="get_weather",outcome="tool_timeout"} 1',
        'agent_gateway_tool_calls_total{tool="pick_colour",outcome="user_denied"} 1',
        'agent_gateway_tool_calls_total{tool="pick_colour",outcome="other"} 1',
        'agent_gateway_tool_calls_total{tool="other",outcome="unknown_tool"} 1',
      ].sort(),
    );
    expect(body).toContain('agent_gateway_model_retries_total{code="upstream_overloaded"} 1');
    expect(body).toContain('agent_gateway_model_retries_total{code="other"} 1');
    expect(body).toContain('agent_gateway_runs_total{outcome="error",error_code="upstream_auth_failed"} 1');
  });
});
